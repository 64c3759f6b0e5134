"""Endpoints of the spaces domain."""

from fastapi import APIRouter

router = APIRouter(tags=["spaces"])
