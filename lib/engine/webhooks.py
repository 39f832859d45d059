"""(work in progress)"""

from fastapi import APIRouter

router = APIRouter()


class WebhookSender:
    def __init__(self, settings) -> None:
        self.settings = settings

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def job_finished(self, video_id: str) -> None:
        pass
