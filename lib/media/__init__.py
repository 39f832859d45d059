"""Media work that the engine and the studio share: the music bed (``music``) and finishing a rendered
video with a logo, a music bed and an end card (``finish``).

Neutral on purpose: nothing here imports Streamlit, ``lib.engine`` or ``lib.studio`` (only
``lib.joggai.contract`` for the duck margin), so the engine can mix ``ext.music_url`` with the same code
the studio's *Finish* step uses on a billed backend's video. Sound is numpy PCM decoded with PyAV;
pictures go through the ffmpeg that ships with imageio-ffmpeg.
"""
