"""A bounded mixed read/write load against a live ``registry serve`` on 127.0.0.1 (issue 9, part 4, "Load").

For ``DURATION`` seconds, ``WRITERS`` clients walk real cases end to end (organisation, application, the eleven
documents, acceptance, agreement, programme, team, stage 1, stage 2, closure, report, decision), with refused
commands (each must be refused and write nothing) and Idempotency-Key retries (each must answer the first answer
and write nothing), while ``READERS`` clients read what anyone and what staff and regulators read: lookups of
existing and unknown numbers, search, QR codes, the /verify page, cases, certificates, histories, deadlines, the
log's checkpoints, entries and proofs (each proof checked against its checkpoint's root). Every worker is paced, so
the load is sustained, not saturating, on a shared 2-CPU machine.

Every response is recorded. Then: no 5xx and no request without an answer; every answer is the one expected; every
acknowledged write is in the log, at the position it answered, as the event it should be, and each organisation's
history holds exactly the events of its acknowledged writes (nothing lost, nothing twice, nothing from a refusal);
every certificate number granted is published; and the log view covers exactly the stored events.
"""

from __future__ import annotations

import base64
import math
import random
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from threading import Lock
from typing import Any, cast

import httpx2 as httpx
import pytest

from registry.entries import entry_of
from registry.merkle import root_from_inclusion, verify_consistency
from tests.e2e.conftest import Caller
from tests.e2e.http_walk import API, DOCUMENT_KINDS, HttpWalk, iso
from tests.load.conftest import LiveRegistry, walk_start

pytestmark = [pytest.mark.long, pytest.mark.postgres]

DURATION = 60  # seconds of load
WRITERS, READERS = 4, 6  # worker threads, each with an HTTP client of its own
WRITE_RATE, READ_RATE = 3.0, 5.0  # requests per second, at most, per writer and per reader (~42/s in all)
TIMEOUT = 30.0  # seconds; a request without an answer by then counts as a failure (a hang)
PROBLEM = "application/problem+json"
BAD_USCC = "91110105ABCDEFGHIJ"  # "I" is outside the USCC's character set (R-ID-1)

# Each write step: the type of the event at the position it answers, and the events it adds to the history of the
# organisation (which holds the events of the organisation, its cases and its certificates).
EVENTS: dict[str, tuple[str, Counter[str]]] = {
    "organization": ("Registered", Counter(["Registered"])),
    "apply": ("CaseOpened", Counter(["Applied", "CaseOpened"])),
    "document": ("DocumentReceived", Counter(["DocumentReceived"])),
    "acceptance": ("Accepted", Counter(["Accepted"])),
    "agreement": ("AgreementSigned", Counter(["AgreementSigned"])),
    "programme": ("ProgrammePlanned", Counter(["ProgrammePlanned"])),
    "team": ("TeamAppointed", Counter(["TeamAppointed"])),
    "stage1": ("Stage1Conducted", Counter(["Stage1Conducted"])),
    "stage2": ("Stage2Conducted", Counter(["Stage2Conducted"])),
    "activity-data": ("ActivityDatumReviewed", Counter(["ActivityDatumReviewed"])),
    "closure": ("NonconformityClosed", Counter(["NonconformityClosed"])),
    "report": ("ReportSubmitted", Counter(["ReportSubmitted"])),
    "decision": ("CertificateIssued", Counter(["Granted", "Issued", "CertificateIssued"])),
}


@dataclass(frozen=True)
class Call:
    kind: str
    status: int | None  # None: no answer (a transport error or a timeout)
    seconds: float
    ok: bool  # the answer was one of those expected
    detail: str


@dataclass(frozen=True)
class Ack:
    """An acknowledged write: what its answer said."""

    step: str
    position: int
    keyed: bool


@dataclass(frozen=True)
class Issued:
    number: str
    uscc: str
    verify_path: str  # /verify/{number}?t=…


@dataclass
class Shared:
    """What every worker records and reads from; one lock guards it all."""

    lock: Lock = field(default_factory=Lock)
    calls: list[Call] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # answers that were expected but wrong inside
    walks: list[CaseWalk] = field(default_factory=list)
    issued: list[Issued] = field(default_factory=list)
    cases: list[str] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)

    def add(self, attribute: str, item: Any) -> None:
        with self.lock:
            getattr(self, attribute).append(item)

    def pick(self, attribute: str, rng: random.Random) -> Any:
        with self.lock:
            items = getattr(self, attribute)
            return rng.choice(items) if items else None


class Stopped(Exception):
    """The load's time is up (between two steps of a walk)."""


class StepFailed(Exception):
    """A step did not get the answer it needed; it is recorded, and the walk goes no further."""


class Session:
    """One worker's HTTP client, paced at ``rate`` requests a second at most, recording every answer."""

    def __init__(self, client: httpx.Client, shared: Shared, rate: float, deadline: float) -> None:
        self.client, self.shared, self.deadline = client, shared, deadline
        self.interval, self.next = 1.0 / rate, time.monotonic()

    def over(self) -> bool:
        return time.monotonic() >= self.deadline

    def call(self, kind: str, method: str, path: str, expected: tuple[int, ...] = (200,),
             **kwargs: Any) -> httpx.Response | None:
        now = time.monotonic()
        if self.next > now:
            time.sleep(self.next - now)
        self.next = max(self.next, now) + self.interval  # no catching up in bursts after a slow answer
        started = time.perf_counter()
        try:
            response = self.client.request(method, path, **kwargs)
        except httpx.HTTPError as e:
            self.shared.add("calls", Call(kind, None, time.perf_counter() - started, False,
                                          f"{method} {path}: no answer: {e!r}"))
            return None
        ok = response.status_code in expected
        detail = "" if ok else f"{method} {path}: {response.status_code}, expected {expected}: {response.text[:400]}"
        self.shared.add("calls", Call(kind, response.status_code, time.perf_counter() - started, ok, detail))
        return response if ok else None

    def problem(self, what: str) -> None:
        self.shared.add("problems", what)


class CaseWalk:
    """One organisation walked from registration to certificate over HTTP, with refusals and keyed retries woven
    in; it keeps what each acknowledged write answered and the events those writes must have left."""

    def __init__(self, session: Session, live: LiveRegistry, n: int) -> None:
        self.s, self.c = session, live.callers
        # HttpWalk (tests/e2e) only builds the bodies here; every request goes through the paced session.
        self.bodies = HttpWalk(client=cast(Any, None), callers=live.callers, start=walk_start())
        self.uscc = self.bodies.uscc
        self.n, self.keyed, self.majors = n, n % 2 == 1, 1 if n % 3 == 0 else 0
        self.case = ""
        self.number: str | None = None
        self.acks: list[Ack] = []
        self.expected: Counter[str] = Counter()

    def key(self, step: str) -> str | None:
        """The Idempotency-Key of a step, on the walks that send keys."""
        return f"load-{self.uscc}-{step}" if self.keyed else None

    def write(self, step: str, path: str, caller: Caller, status: int = 200, *, key: str | None = None,
              **kwargs: Any) -> dict[str, Any]:
        headers = dict(caller.headers)
        if key is not None:
            headers["Idempotency-Key"] = key
        if self.s.over():
            raise Stopped
        response = self.s.call(f"write:{step}", "POST", f"{API}{path}", (status,), headers=headers, **kwargs)
        if response is None:
            raise StepFailed(step)
        body: dict[str, Any] = response.json()
        if not isinstance(body.get("position"), int):
            self.s.problem(f"{step} of {self.uscc} answered no position: {body}")
            raise StepFailed(step)
        self.acks.append(Ack(step, body["position"], key is not None))
        self.expected.update(EVENTS[step][1])
        self.s.shared.add("positions", body["position"])
        if key is not None:  # the client retries, as after a lost answer: the first answer again, and nothing written
            again = self.s.call(f"replay:{step}", "POST", f"{API}{path}", (status,), headers=headers, **kwargs)
            if again is not None and (again.json() != body or again.headers.get("idempotency-replayed") != "true"):
                self.s.problem(f"replay of {step} ({self.uscc}) answered {again.json()} "
                               f"(replayed: {again.headers.get('idempotency-replayed')}), first {body}")
        return body

    def refuse(self, what: str, path: str, status: int, caller: Caller | None, key: str | None = None,
               **kwargs: Any) -> None:
        """A command that must be refused with ``status`` and write nothing (the history check sees to that)."""
        headers = dict(caller.headers) if caller else {}
        if key is not None:
            headers["Idempotency-Key"] = key
        response = self.s.call(f"refused:{what}", "POST", f"{API}{path}", (status,), headers=headers, **kwargs)
        if response is not None and response.headers.get("content-type", "").split(";")[0] != PROBLEM:
            self.s.problem(f"refused {what} answered {response.headers.get('content-type')}, not {PROBLEM}")

    def upload(self, kind: str, key: str | None) -> None:
        content = self.bodies.document_content(kind)
        self.write("document", f"/cases/{self.case}/documents", self.c.intake, 201, key=key,
                   data={"kind": kind, "received_on": iso(self.bodies.day(1))},
                   files={"file": (f"{kind}.pdf", content, "application/pdf")})

    def run(self) -> None:
        c, b, case = self.c, self.bodies, lambda: f"/cases/{self.case}"
        org = {"uscc": self.uscc, "name": f"示例能源有限公司{self.uscc[-6:]}", "address": "上海市浦东新区示例路88号"}
        self.write("organization", "/organizations", c.intake, 201, key=self.key("organization"), json=org)
        if self.n % 3 == 0:
            self.refuse("duplicate-organization", "/organizations", 409, c.intake, json=org)
        elif self.n % 3 == 1:
            self.refuse("malformed-uscc", "/organizations", 422, c.intake, json={**org, "uscc": BAD_USCC})
        else:
            self.refuse("no-token", "/organizations", 401, None, json=org)
        self.case = self.write("apply", "/cases", c.intake, 201, json=b.application())["id"]
        self.s.shared.add("cases", self.case)
        own = self.s.call("read:own-case", "GET", f"{API}{case()}", headers=c.regulator.headers)
        if own is not None and own.json().get("stage") != "applied":
            self.s.problem(f"case {self.case} just applied for reads stage {own.json().get('stage')}")
        self.refuse("agreement-before-acceptance", f"{case()}/agreement", 409, c.intake, json=b.agreement_body())
        if self.n % 2 == 0:
            self.refuse("unknown-case", f"/cases/{uuid.uuid4()}/agreement", 404, c.intake, json=b.agreement_body())
        for i, kind in enumerate(DOCUMENT_KINDS):
            self.upload(kind, key=self.key(kind) if i == 0 else None)
        self.write("acceptance", f"{case()}/acceptance", c.intake, key=self.key("acceptance"),
                   json=b.acceptance_body())
        if self.keyed:
            self.refuse("key-reused-for-another-body", f"{case()}/acceptance", 409, c.intake,
                        key=self.key("acceptance"), json=b.acceptance_body(reasons="另一个请求"))
        self.write("agreement", f"{case()}/agreement", c.intake, json=b.agreement_body())
        self.write("programme", f"{case()}/programme", c.leader, json=b.programme_body())
        self.write("team", f"{case()}/team", c.admin, json=b.team_body())
        self.refuse("stage1-by-auditor-off-the-team", f"{case()}/stage1", 403, c.outsider, json=b.stage1_body())
        self.write("stage1", f"{case()}/stage1", c.leader, key=self.key("stage1"), json=b.stage1_body())
        ncs = [{"ref": f"NC-{i + 1}", "severity": "major", "description": "能源计量器具未校准"}
               for i in range(self.majors)]
        self.write("stage2", f"{case()}/stage2", c.member, json={"conducted_on": iso(b.day(20)),
                                                                "nonconformities": ncs, "person_days": 3})
        # The data review (R-GHG-4: no grant on unreviewed data)
        self.write("activity-data", f"{case()}/data-review/activity-data", c.member, 201,
                   json=b.activity_datum_body())
        self.write("report", f"{case()}/report", c.leader, json=b.report_body())
        for nc in ncs:
            self.write("closure", f"{case()}/nonconformities/{nc['ref']}/closure", c.leader,
                       json={"closed_on": iso(b.day(25)), "evidence": "计量器具校准证书"})
        self.refuse("decision-by-an-auditor", f"{case()}/decision", 403, c.leader, json=b.decision_body())
        decision = self.write("decision", f"{case()}/decision", c.decision, key=self.key("decision"),
                              json=b.decision_body())
        self.number = decision.get("certificate_number")
        if not self.number:
            self.s.problem(f"the grant for {self.uscc} answered no certificate number: {decision}")
            raise StepFailed("decision")
        self.published(decision["position"])
        self.refuse("agreement-after-the-grant", f"{case()}/agreement", 409, c.intake, json=b.agreement_body())

    def published(self, position: int) -> None:
        """The writer reads its own write: the public lookup once the views have reached the decision."""
        assert self.number
        response = self.s.call("read:own-certificate", "GET", f"{API}/public/certificates/{self.number}",
                               params={"after": position})
        if response is None:
            return
        document = response.json()
        if document.get("status") != "valid" or document.get("organization", {}).get("uscc") != self.uscc:
            self.s.problem(f"{self.number} reads {document.get('status')} for {document.get('organization')}")
            return
        base = str(self.s.client.base_url).rstrip("/")
        self.s.shared.add("issued", Issued(self.number, self.uscc, document["verify_url"].removeprefix(base)))


def writer(live: LiveRegistry, shared: Shared, deadline: float, index: int) -> None:
    with httpx.Client(base_url=live.base, timeout=TIMEOUT) as client:
        session, n = Session(client, shared, WRITE_RATE, deadline), index
        while not session.over():
            walk = CaseWalk(session, live, n)
            shared.add("walks", walk)
            n += WRITERS
            try:
                walk.run()
            except (Stopped, StepFailed):
                continue


class Reader:
    """A reader's mix: what anyone reads, and what staff and regulators read, over what the writers made."""

    def __init__(self, session: Session, live: LiveRegistry, rng: random.Random) -> None:
        self.s, self.c, self.rng = session, live.callers, rng
        self.checkpoint: tuple[int, str] | None = None  # the last (size, root) this reader saw
        self.actions: list[tuple[int, Callable[[], None]]] = [
            (20, self.lookup), (8, self.unknown), (3, self.lookup_as_of), (8, self.search), (6, self.qr),
            (6, self.verify_page), (2, self.keys), (6, self.case), (6, self.certificate), (5, self.history),
            (3, self.deadlines), (5, self.inclusion), (3, self.consistency), (2, self.entries), (2, self.health),
            (3, self.staff_unknown),
        ]

    def step(self) -> None:
        weights = [w for w, _ in self.actions]
        self.rng.choices([a for _, a in self.actions], weights)[0]()

    def issued(self) -> Issued | None:
        found: Issued | None = self.s.shared.pick("issued", self.rng)
        return found

    def staff(self) -> dict[str, str]:
        return self.rng.choice([self.c.regulator, self.c.admin, self.c.intake, self.c.leader]).headers

    def lookup(self) -> None:
        if (cert := self.issued()) is not None:
            response = self.s.call("read:public-lookup", "GET", f"{API}/public/certificates/{cert.number}")
            if response is not None and response.json().get("number") != cert.number:
                self.s.problem(f"lookup of {cert.number} answered {response.json().get('number')}")

    def unknown(self) -> None:
        number = f"CB-CEMS-1999-{self.rng.randrange(100000):05d}"
        self.s.call("read:public-unknown", "GET", f"{API}/public/certificates/{number}", (404,))

    def lookup_as_of(self) -> None:
        if (cert := self.issued()) is not None:
            # Every certificate was granted on day 30 of its walk, which began 60 days ago: day 40 is after it.
            self.s.call("read:public-as-of", "GET", f"{API}/public/certificates/{cert.number}",
                        params={"as_of": iso(walk_start() + timedelta(days=40))})

    def search(self) -> None:
        cert = self.issued()
        choice = self.rng.randrange(3)
        if choice == 0 and cert is not None:
            response = self.s.call("read:search", "GET", f"{API}/public/certificates", params={"uscc": cert.uscc})
            if response is not None and cert.number not in [i["number"] for i in response.json()["items"]]:
                self.s.problem(f"search by {cert.uscc} does not find {cert.number}")
        elif choice == 1:
            self.s.call("read:search", "GET", f"{API}/public/certificates",
                        params={"name": "示例能源", "page_size": 10})
        else:
            self.s.call("read:search", "GET", f"{API}/public/certificates",
                        params={"status": "valid", "page": self.rng.randint(1, 3), "page_size": 5})

    def qr(self) -> None:
        if (cert := self.issued()) is None:
            return
        path = f"{API}/public/certificates/{cert.number}/qr.{self.rng.choice(['svg', 'png'])}"
        response = self.s.call("read:qr", "GET", path)
        if response is not None and self.rng.random() < 0.5:
            self.s.call("read:qr-not-modified", "GET", path, (304,),
                        headers={"If-None-Match": response.headers["etag"]})

    def verify_page(self) -> None:
        if (cert := self.issued()) is not None:
            response = self.s.call("read:verify-page", "GET", cert.verify_path)
            if response is not None and not response.headers.get("content-type", "").startswith("text/html"):
                self.s.problem(f"/verify/{cert.number} answered {response.headers.get('content-type')}")

    def keys(self) -> None:
        self.s.call("read:keys", "GET", f"{API}/public/keys")

    def case(self) -> None:
        if (case := self.s.shared.pick("cases", self.rng)) is not None:
            self.s.call("read:case", "GET", f"{API}/cases/{case}", headers=self.staff())

    def certificate(self) -> None:
        if (cert := self.issued()) is not None:
            self.s.call("read:certificate", "GET", f"{API}/certificates/{cert.number}", headers=self.staff())

    def history(self) -> None:
        if (cert := self.issued()) is not None:
            path = (f"/certificates/{cert.number}" if self.rng.random() < 0.5 else f"/organizations/{cert.uscc}")
            self.s.call("read:history", "GET", f"{API}{path}/history", headers=self.c.regulator.headers)

    def deadlines(self) -> None:
        state = self.rng.choice(["open", "overdue", "met", "missed"])
        self.s.call("read:deadlines", "GET", f"{API}/deadlines", params={"state": state, "page_size": 20},
                    headers=self.staff())

    def inclusion(self) -> None:
        """A checkpoint covering an acknowledged write, and that write's inclusion proof, checked against it."""
        position = self.s.shared.pick("positions", self.rng)
        if position is None:
            return
        headers = self.c.regulator.headers
        checkpoint = self.s.call("read:checkpoint", "GET", f"{API}/log/checkpoint", params={"after": position},
                                 headers=headers)
        if checkpoint is None:
            return
        size, root = checkpoint.json()["size"], checkpoint.json()["root_hash"]
        proof = self.s.call("read:proof-inclusion", "GET", f"{API}/log/proofs/inclusion",
                            params={"position": position, "size": size}, headers=headers)
        if proof is None:
            return
        p = proof.json()
        try:
            led_to = root_from_inclusion(p["leaf_index"], size, bytes.fromhex(p["leaf_hash"]),
                                         [bytes.fromhex(h) for h in p["audit_path"]]).hex()
        except ValueError as e:
            led_to = f"no root ({e})"
        if led_to != root:
            self.s.problem(f"the inclusion proof of position {position} in {size} leads to {led_to}, not {root}")

    def consistency(self) -> None:
        """The latest checkpoint, proved consistent with the one this reader saw before."""
        headers = self.c.regulator.headers
        latest = self.s.call("read:checkpoint", "GET", f"{API}/log/checkpoint", headers=headers)
        if latest is None:
            return
        size, root = latest.json()["size"], latest.json()["root_hash"]
        if self.checkpoint is not None and self.checkpoint[0] < size:
            first, first_root = self.checkpoint
            proof = self.s.call("read:proof-consistency", "GET", f"{API}/log/proofs/consistency",
                                params={"first": first, "second": size}, headers=headers)
            if proof is not None and not verify_consistency(
                    first, size, bytes.fromhex(first_root), bytes.fromhex(root),
                    [bytes.fromhex(h) for h in proof.json()["consistency_path"]]):
                self.s.problem(f"the checkpoints of {first} and {size} leaves are not proved consistent")
        if self.checkpoint is None or self.checkpoint[0] < size:
            self.checkpoint = (size, root)

    def entries(self) -> None:
        if self.checkpoint is None:
            self.consistency()
            return
        size = self.checkpoint[0]
        start = self.rng.randrange(size)
        response = self.s.call("read:entries", "GET", f"{API}/log/entries",
                               params={"start": start, "end": min(size, start + 50)}, headers=self.staff())
        if response is not None:
            for e in response.json()["entries"]:
                entry = base64.b64decode(e["entry"])
                if int.from_bytes(entry[1:9], "big") != e["position"]:
                    self.s.problem(f"leaf {e['leaf_index']} says position {e['position']} but its entry another")

    def health(self) -> None:
        self.s.call("read:health", "GET", f"{API}/health")

    def staff_unknown(self) -> None:
        if self.rng.random() < 0.5:
            self.s.call("read:staff-unknown", "GET", f"{API}/cases/{uuid.uuid4()}", (404,), headers=self.staff())
        else:
            self.s.call("read:staff-unknown", "GET", f"{API}/certificates/CB-CEMS-1999-00000", (404,),
                        headers=self.staff())


def reader(live: LiveRegistry, shared: Shared, deadline: float, index: int) -> None:
    with httpx.Client(base_url=live.base, timeout=TIMEOUT) as client:
        session = Session(client, shared, READ_RATE, deadline)
        mix = Reader(session, live, random.Random(index))
        while not session.over():
            mix.step()


def head(live: LiveRegistry) -> int:
    return live.registry.recorder.max_notification_id() or 0


def caught_up(client: httpx.Client, position: int, timeout: float = 60.0) -> bool:
    """Waits (outside the load) until every view has processed the log up to ``position``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        views = client.get(f"{API}/health").json().get("views", {})
        if min(views.get("public_certificates", 0), views.get("log", 0)) >= position:
            return True
        time.sleep(0.2)
    return False


def prepare(live: LiveRegistry, shared: Shared, client: httpx.Client) -> None:
    """The certificates issued before the server started, once published, are there to read from the start; and
    a checkpoint is signed (the first comes up to a second after the log view catches up)."""
    assert caught_up(client, head(live)), "the views did not catch up with the seeded log"
    checkpoint = client.get(f"{API}/log/checkpoint", params={"after": head(live)},
                            headers=live.callers.regulator.headers)
    assert checkpoint.status_code == 200, checkpoint.text
    for number, uscc in live.seeded:
        document = client.get(f"{API}/public/certificates/{number}").json()
        shared.issued.append(Issued(number, uscc, document["verify_url"].removeprefix(live.base)))
    shared.positions.append(head(live))


def stored_events(live: LiveRegistry) -> list[Any]:
    """Every event in the store, in log order, read from the store itself."""
    events: list[Any] = []
    start = 1
    while page := list(live.registry.recorder.select_notifications(start, 1000)):
        events.extend(page)
        start = page[-1].id + 1
    return events


def check_the_log(live: LiveRegistry, client: httpx.Client, events: list[Any]) -> list[str]:
    """The log view (its checkpoint and its entries) covers exactly the stored events, leaf for leaf."""
    regulator = live.callers.regulator.headers
    checkpoint = client.get(f"{API}/log/checkpoint", params={"after": events[-1].id}, headers=regulator)
    if checkpoint.status_code != 200:
        return [f"no checkpoint covers the log after the load: {checkpoint.status_code} {checkpoint.text}"]
    failures = []
    if checkpoint.json()["size"] != len(events):
        failures.append(f"the log view's checkpoint has {checkpoint.json()['size']} leaves; "
                        f"the store holds {len(events)} events")
    leaves: list[tuple[int, str]] = []
    while len(leaves) < len(events):
        end = min(len(events), len(leaves) + 1000)
        page = client.get(f"{API}/log/entries", params={"start": len(leaves), "end": end}, headers=regulator)
        if page.status_code != 200:
            return [*failures, f"log entries from {len(leaves)}: {page.status_code} {page.text}"]
        leaves.extend((e["position"], e["leaf_hash"]) for e in page.json()["entries"])
    stored = [(e.id, entry_of(e).leaf_hash.hex()) for e in events]
    if leaves != stored:
        differ = next((i for i, (a, b) in enumerate(zip(leaves, stored, strict=False)) if a != b),
                      min(len(leaves), len(stored)))
        failures.append(f"the log view's leaves differ from the stored events from leaf {differ}: "
                        f"{leaves[differ:differ + 1]} against {stored[differ:differ + 1]}")
    return failures


def check_the_walks(live: LiveRegistry, client: httpx.Client, shared: Shared, events: list[Any]) -> list[str]:
    """Every acknowledged write is in the log at the position it answered, as the event it should be; each
    organisation's history holds exactly the events of its acknowledged writes; every grant is published."""
    failures: list[str] = []
    topics = {e.id: e.topic for e in events}
    regulator = live.callers.regulator.headers
    for walk in shared.walks:
        for ack in walk.acks:
            if ack.position not in topics:
                failures.append(f"{walk.uscc}: the {ack.step} acknowledged at position {ack.position} is not in "
                                f"the log")
            elif ack.keyed and "IdempotencyRecord" not in topics[ack.position]:
                failures.append(f"{walk.uscc}: keyed {ack.step} answered {ack.position}, a {topics[ack.position]}")
        if not walk.acks:
            continue
        response = client.get(f"{API}/organizations/{walk.uscc}/history", headers=regulator)
        if response.status_code != 200:
            failures.append(f"{walk.uscc}: history {response.status_code} {response.text[:300]}")
            continue
        history = response.json()["events"]
        types = {e["position"]: e["type"] for e in history}
        for ack in walk.acks:
            wanted = EVENTS[ack.step][0]
            if not ack.keyed and types.get(ack.position) != wanted:
                failures.append(f"{walk.uscc}: the {ack.step} answered position {ack.position}, which the "
                                f"history shows as {types.get(ack.position)}, not {wanted}")
        found = Counter(e["type"] for e in history)
        if found != walk.expected:
            failures.append(f"{walk.uscc}: the history's events differ from its acknowledged writes: "
                            f"{dict(found - walk.expected) or 'none'} beyond them, "
                            f"{dict(walk.expected - found) or 'none'} missing")
    granted = [(w.number, w.uscc) for w in shared.walks if w.number] + live.seeded
    for number, uscc in granted:
        response = client.get(f"{API}/public/certificates/{number}", params={"after": events[-1].id})
        document = response.json() if response.status_code == 200 else {}
        if document.get("status") != "valid" or document.get("organization", {}).get("uscc") != uscc:
            failures.append(f"{number} ({uscc}) is not published as valid: {response.status_code} "
                            f"{response.text[:300]}")
    total = client.get(f"{API}/public/certificates", params={"status": "valid", "page_size": 1}).json()["total"]
    if total != len(granted):
        failures.append(f"the public search counts {total} valid certificates; {len(granted)} were granted")
    return failures


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)] if ordered else 0.0


def summary(shared: Shared, elapsed: float, events: int) -> str:
    calls = shared.calls
    by_kind: dict[str, list[Call]] = {}
    for call in calls:
        by_kind.setdefault(call.kind, []).append(call)
    ms = [c.seconds * 1000 for c in calls]
    lines = [f"load: {elapsed:.1f} s, {WRITERS} writers (≤{WRITE_RATE:g} req/s each) and {READERS} readers "
             f"(≤{READ_RATE:g} req/s each): {len(calls)} requests, {len(calls) / elapsed:.1f} req/s, "
             f"p50 {percentile(ms, 0.5):.1f} ms, p99 {percentile(ms, 0.99):.1f} ms",
             f"{'kind':<44}{'n':>6}{'p50 ms':>9}{'p99 ms':>9}  statuses"]
    for kind in sorted(by_kind):
        group = by_kind[kind]
        times = [c.seconds * 1000 for c in group]
        statuses = Counter("none" if c.status is None else str(c.status) for c in group)
        lines.append(f"{kind:<44}{len(group):>6}{percentile(times, 0.5):>9.1f}{percentile(times, 0.99):>9.1f}  "
                     f"{dict(sorted(statuses.items()))}")
    acks = [a for w in shared.walks for a in w.acks]
    lines.append(f"walks: {len(shared.walks)}, certificates granted under load: "
                 f"{sum(1 for w in shared.walks if w.number)}; acknowledged writes: {len(acks)} "
                 f"({sum(a.keyed for a in acks)} with an Idempotency-Key); events in the log: {events}")
    return "\n".join(lines)


def test_a_bounded_mixed_load_answers_no_5xx_and_loses_no_acknowledged_write(live_registry: LiveRegistry) -> None:
    live, shared = live_registry, Shared()
    with httpx.Client(base_url=live.base, timeout=TIMEOUT) as client:
        prepare(live, shared, client)
        started = time.monotonic()
        deadline = started + DURATION
        with ThreadPoolExecutor(WRITERS + READERS, thread_name_prefix="load") as pool:
            futures = [pool.submit(writer, live, shared, deadline, i) for i in range(WRITERS)]
            futures += [pool.submit(reader, live, shared, deadline, i) for i in range(READERS)]
            for future in futures:
                try:
                    future.result()
                except Exception:
                    shared.problems.append(f"a worker stopped on an error:\n{traceback.format_exc()}")
        elapsed = time.monotonic() - started

        position = head(live)
        views_caught_up = caught_up(client, position)
        events = stored_events(live)
        failures = [f"5xx: {c.detail}" for c in shared.calls if c.status is not None and c.status >= 500]
        failures += [f"no answer: {c.detail}" for c in shared.calls if c.status is None]
        failures += [f"unexpected answer: {c.detail}" for c in shared.calls
                     if c.status is not None and c.status < 500 and not c.ok]
        failures += [f"wrong answer: {p}" for p in shared.problems]
        if not views_caught_up:
            failures.append(f"the views did not reach log position {position} within 60 s of the load's end")
        failures += check_the_log(live, client, events)
        failures += check_the_walks(live, client, shared, events)
    print()
    print(summary(shared, elapsed, len(events)))

    server_log = live.server_log.read_text(errors="replace")
    if "Traceback" in server_log:
        failures.append(f"the server logged a traceback:\n{live.server_log_tail()}")
    if not any(w.number for w in shared.walks):
        failures.append("no walk reached a certificate in the time: the load proved nothing")
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:40])
