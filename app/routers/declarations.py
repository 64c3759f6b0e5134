"""Endpoints of the declarations domain."""

from fastapi import APIRouter

router = APIRouter(tags=["declarations"])
