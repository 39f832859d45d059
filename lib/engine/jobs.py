"""(work in progress)"""


class RenderQueue:
    def __init__(self, settings, on_finished) -> None:
        self.settings = settings

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass
