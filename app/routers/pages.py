"""Endpoints of the pages domain."""

from fastapi import APIRouter

router = APIRouter(tags=["pages"])
