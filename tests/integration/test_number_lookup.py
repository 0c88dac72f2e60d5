"""Certificate numbers in the public view, on both real stores: matched ignoring case on an index of their own, which
an existing database gets when the views next open (issue #20, item 7)."""

from __future__ import annotations

from typing import Any

from demo.scenario import Walk
from projections.runner import Views, open_views
from registry.application import Registry

INDEX = "public_certificates_number_upper"


def has_index(views: Views) -> bool:
    public: Any = views.public
    with public.cursor() as curs:
        if views.store.kind != "postgres":
            curs.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND name = %s", (INDEX,))
        else:
            curs.execute("SELECT indexname FROM pg_indexes WHERE schemaname = %s AND indexname = %s",
                         (public.datastore.schema or "public", INDEX))
        return curs.fetchone() is not None


def test_an_existing_database_gets_the_number_index_when_its_views_open(app: Registry) -> None:
    views = open_views(app)
    public: Any = views.public
    with public.cursor(commit=True) as curs:  # as a database made before the index was
        curs.execute(f"DROP INDEX {public.table(INDEX)}")
    assert not has_index(views)

    assert has_index(open_views(app))


def test_a_number_is_found_in_any_case_and_answers_its_spelling_as_issued(app: Registry, walk: Walk) -> None:
    number = walk.to_certificate().number or ""
    views = open_views(app)
    views.bring_up_to_date()

    for typed in (number, number.lower(), number.swapcase(), number.lower().capitalize()):
        row = views.public.certificate_row(typed)
        assert row is not None and f'"number": "{number}"' in row[0], typed
        assert views.public.certificate_number(typed) == number
    assert views.public.certificate_row(number + "0") is None
    assert views.public.certificate_number(number.lower() + "0") is None
