"""Shared helpers of the UsageSettlement tests (test_settlement*.py)."""
import boa

from system import DATA_MB, MB
from usage import make_cdrs

PLAN_BYTES = DATA_MB * MB


def ent_times(world, tid):
    _, _, start, end, _, _ = world.plans.entitlement(tid)
    return start, end


def usage_span(world, tid):
    """(start, last moment usage can have happened by now): CDRs of a batch lie in this span,
    since a CDR ending after the batch's posting time is a contradiction (finding 5)."""
    start, end = ent_times(world, tid)
    return start, min(end, boa.env.timestamp)


def one_batch(world, led, tid, sizes=(1000, 2000, 3000), first_seq=None, nonce=None, poster=None):
    start, until = usage_span(world, tid)
    first_seq = led[tid].last_seq + 1 if first_seq is None else first_seq
    return led.post(poster or world.mno, tid, make_cdrs(tid, first_seq, list(sizes), start, until), nonce)


def names(led):
    """Names of the logs of the last call made through `led` (token transfers included)."""
    return [type(e).__name__ for e in led.logs]


def event(led, name):
    (ev,) = [e for e in led.logs if type(e).__name__ == name]
    return ev
