"""(work in progress)"""

from fastapi import APIRouter

api_router = APIRouter()
put_router = APIRouter()
