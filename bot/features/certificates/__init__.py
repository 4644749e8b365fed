"""Certificates (giấy chứng nhận): a learner who completes every lesson of a track is offered one,
checks (or corrects) the name printed on it, and gets a picture with a verification code; /chungnhan
lists them and sends one again; `hocvuso certificate verify CODE` says whether a code is genuine."""

from __future__ import annotations

from bot.features.certificates.routes import router

__all__ = ["router"]
