"""Push devices of the signed-in user."""

from fastapi import APIRouter, status

from app.deps import CurrentUser, PathId, SessionDep
from app.schemas.devices import DeviceRead, DeviceRegister
from app.services import push

router = APIRouter(prefix="/devices", tags=["devices"])


@router.post("", name="register", status_code=status.HTTP_201_CREATED)
async def register_device(
    body: DeviceRegister, user: CurrentUser, session: SessionDep
) -> DeviceRead:
    """Register this install's push token (again after it changes, or daily)."""
    return DeviceRead.model_validate(await push.register_device(session, user, body))


@router.get("", name="list")
async def list_devices(user: CurrentUser, session: SessionDep) -> list[DeviceRead]:
    """The user's devices that receive pushes."""
    return [
        DeviceRead.model_validate(d) for d in await push.list_devices(session, user)
    ]


@router.delete(
    "/{device_id}", name="unregister", status_code=status.HTTP_204_NO_CONTENT
)
async def unregister_device(
    device_id: PathId, user: CurrentUser, session: SessionDep
) -> None:
    """Stop pushes to a device (at sign-out)."""
    await push.unregister_device(session, user, device_id)
