"""Endpoints of the councils domain."""

from fastapi import APIRouter

router = APIRouter(tags=["councils"])
