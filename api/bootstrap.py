"""The composition root: settings → store → registry → signers → read models, built in one place for the app's
lifespan and for every command of the command line. Nothing else chooses a store or opens a registry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from api.checkpoint_notes import checkpoint_keys, signed_checkpoint
from api.passwords import Argon2idHasher
from api.public_reads import signed_extras
from api.settings import Settings
from api.signing import Signer, signers
from api.witnessing import Witnessing
from projections.log import Checkpointing
from projections.runner import Views, open_views
from registry.application import Registry
from registry.clock import Clock
from store import Store, open_store


@dataclass
class Parts:
    """A registry and what serves it, as the settings make them. ``close`` closes what was opened here."""

    settings: Settings
    store: Store
    registry: Registry
    signer: Signer  # the QR tokens' (verify_url)
    checkpoint_signer: Signer  # the log's checkpoints'
    owned: bool = True  # the registry was opened here (not handed in)
    _views: Views | None = None

    @property
    def views(self) -> Views:
        """The read models, with what the edge adds to them: the signed verify_url of every public document, and
        the signed checkpoints of the log. Opened when first asked for (most commands need none)."""
        if self._views is None:
            self.signer.load()  # a missing key (in production) or an unreadable one stops here, before any work
            self.checkpoint_signer.load()
            self._views = open_views(self.registry, signed_extras(self.signer), Checkpointing(
                self.checkpoint_signer, self.settings.origin, self.settings.checkpoint_interval, self._witnessing()))
        return self._views

    def _witnessing(self) -> Witnessing | None:
        """What sends each new checkpoint to the witnesses, when any are configured."""
        witnesses = self.settings.witnessing
        if not witnesses.witnesses:
            return None
        signer = self.checkpoint_signer
        return Witnessing(witnesses, lambda c: str(signed_checkpoint(c, checkpoint_keys(signer))),
                          self.settings.witness_timeout, self.settings.witness_retry)

    def close(self) -> None:
        if self.owned:
            self.registry.close()
            self.store.close()

    def __enter__(self) -> Parts:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def bootstrap(settings: Settings, clock: Clock | None = None, registry: Registry | None = None,
              keys: tuple[Signer, Signer] | None = None, store: Store | None = None) -> Parts:
    """Opens the registry the settings describe, on ``store`` when given the one they name (or takes ``registry``,
    a test's), with its signers (``keys``, or made from the settings; each reads its key when first used)."""
    if registry is None:
        chosen = store or open_store(settings.database_url, settings.read_only)
        registry, owned = Registry(settings.registry_config(), clock, chosen, passwords=Argon2idHasher()), True
    else:
        chosen, owned = cast(Store, registry.store), False  # a test's registry, on a store of ours
    qr, checkpoints = keys or signers(settings.signing_key, settings.checkpoint_key, settings.public_base_url,
                                      settings.missing_key)
    return Parts(settings, chosen, registry, qr, checkpoints, owned)
