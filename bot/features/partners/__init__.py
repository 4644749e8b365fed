"""Partner organizations (Hội Cựu chiến binh, Hội LHPN, Hội Nông dân… from `campaign.partners` in
the config) co-organizing a class or an outreach day: who runs it ticks them on or off."""

from __future__ import annotations

from bot.features.partners.routes import router

__all__ = ["router"]
