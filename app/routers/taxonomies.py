"""Endpoints of the taxonomies domain."""

from fastapi import APIRouter

router = APIRouter(tags=["taxonomies"])
