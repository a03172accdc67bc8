"""Fair queuing: a cap on each user's analyses in the queue, and an order of work that takes turns.

The cap: a user may have DEEPTRACE_MAX_ACTIVE_ANALYSES_PER_USER analyses queued, waiting for a model
or running at once; one more upload (or retry) is refused with a sentence (`TooManyActive`).

The order: the broker holds exactly one message per queued analysis, first in first out, so 130
analyses from one user would run before a single upload sent after them. A worker that takes a
message therefore claims the queued analysis of the owner who is served least (fewest analyses
running under a live lease, then longest since one of theirs started), preferring the message's own
analysis among equals. Every message still claims at most one analysis and every queued analysis
still has one message, so the counts match: the message of an analysis run early claims another
later. Analyses whose lease expired (their worker died) are candidates as before, so lease, sweeper
and idempotency (the conditional claim in detector.jobs) are unchanged.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Max, Min
from django.utils import timezone

from .models import Analysis

ACTIVE = (Analysis.Status.QUEUED, Analysis.Status.WAITING_MODEL, Analysis.Status.RUNNING)
SERVED_WITHIN = timedelta(hours=1)  # owners served longer ago than this count as never served
TRIES = 5  # candidates to try when other workers claim the first ones at the same moment


class TooManyActive(Exception):
    def __init__(self):
        limit = settings.DEEPTRACE_MAX_ACTIVE_ANALYSES_PER_USER
        super().__init__(f"You already have {limit} analys{'is' if limit == 1 else 'es'} waiting or running. "
                         "Upload more once some of them have finished.")


def check_room(owner_id):
    """Raise TooManyActive when the owner has no room for one more analysis.

    Call it inside the transaction that creates the analysis: the owner's row stays locked until it
    commits, so two uploads at once cannot both take the last place (FOR NO KEY UPDATE: a video
    inserted for the owner meanwhile only needs a key-share lock, so the two never deadlock)."""
    list(get_user_model().objects.select_for_update(no_key=True).filter(pk=owner_id).values_list("pk"))
    active = Analysis.objects.filter(video__owner_id=owner_id, status__in=ACTIVE).count()
    if active >= settings.DEEPTRACE_MAX_ACTIVE_ANALYSES_PER_USER:
        raise TooManyActive()


def candidates(message_id, takeable, live_since):
    """Ids of analyses a delivery of `message_id`'s message may claim, the fairest first.

    `takeable` is the Q of claimable analyses (detector.jobs.takeable); a running analysis whose lease
    was renewed after `live_since` counts as its owner's running work."""
    pool = Analysis.objects.filter(takeable)
    owners = {row["video__owner"]: row["oldest"]
              for row in pool.values("video__owner").annotate(oldest=Min("created_at")).order_by()}
    if not owners:
        return []
    own_owner = Analysis.objects.filter(pk=message_id).values_list("video__owner", flat=True).first()
    ranked = sorted(owners, key=_fairness(owners, own_owner, live_since))
    picked = []
    for owner in ranked:
        mine = pool.filter(video__owner=owner).order_by("created_at").values_list("pk", flat=True)[:TRIES]
        picked += sorted(mine, key=lambda pk: pk != message_id)  # the message's own analysis first
        if len(picked) >= TRIES:
            break
    return picked[:TRIES]


def _fairness(owners, own_owner, live_since):
    """The sort key of an owner: fewest running, least recently served, the message's owner, oldest."""
    mine = Analysis.objects.filter(video__owner__in=list(owners))
    running = dict(mine.filter(status=Analysis.Status.RUNNING, heartbeat_at__gte=live_since)
                   .values_list("video__owner").annotate(n=Count("pk")).order_by())
    served = dict(mine.filter(started_at__gte=timezone.now() - SERVED_WITHIN)
                  .values_list("video__owner").annotate(last=Max("started_at")).order_by())
    never = timezone.now() - 2 * SERVED_WITHIN
    return lambda owner: (running.get(owner, 0), served.get(owner, never), owner != own_owner, owners[owner])
