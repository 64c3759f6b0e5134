"""Endpoints of the components domain."""

from fastapi import APIRouter

router = APIRouter(tags=["components"])
