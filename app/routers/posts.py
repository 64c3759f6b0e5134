"""Endpoints of the posts domain."""

from fastapi import APIRouter

router = APIRouter(tags=["posts"])
