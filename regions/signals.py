"""What apps that keep figures of past months listen to (apps higher up connect to it; lower apps send it).

`regency_past_changed` is sent by the services that write rows dated in a regency's past (a visit recorded or
corrected late, a report sent or reviewed after its month, a stage change or a plan that takes effect
back-dated), in their transaction, with `regency_id`, `first` (a day) and `last` (a day, or None for "every month
since `first`"). A receiver that keeps figures of those months marks them out of date.
"""

from datetime import date

from django.dispatch import Signal

from .timezones import latest_today

regency_past_changed = Signal()


def past_changed(*, sender, regency_id: int, first: date, last: date | None = None) -> None:
    """Tell the listeners that rows of a regency dated from `first` (to `last`, or ever since) changed; nothing
    when `first` lies in the running month (no month it could change has ended)."""
    if first >= latest_today().replace(day=1):
        return  # (in every zone: a change the regency's month still has open may mark a month stale for nothing)
    regency_past_changed.send(sender=sender, regency_id=regency_id, first=first, last=last)
