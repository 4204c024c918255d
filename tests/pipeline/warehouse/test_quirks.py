"""Each known quirk of the real data (DESIGN.md §1) is handled: one test per quirk,
on hand-made objects that carry it, through the DAG's own operators."""

from __future__ import annotations

import json

import pytest
from helpers import TEST_DAY_KEY, TEST_HOUR, event, event_lines, ms, put, put_songs, rows, run_hour_in_process, song

pytestmark = pytest.mark.integration

H = TEST_HOUR
DAY_KEY = TEST_DAY_KEY


def test_logged_out_events_with_empty_user_id_are_staged_but_make_no_user(fresh):
    logged_out = event(ms(H, 1), "", page="Home", auth="Logged Out", firstName=None, lastName=None, gender=None)
    put(fresh, DAY_KEY, event_lines([logged_out, event(ms(H, 2), "7")]))

    run_hour_in_process(H)

    assert rows(fresh, "select user_id from staging_events order by ts") == [("",), ("7",)]
    assert rows(fresh, "select user_id from users") == [("7",)]


def test_registration_as_a_float_is_kept(fresh):
    put(fresh, DAY_KEY, event_lines([event(ms(H, 1), registration=1541016707796.0)]))

    run_hour_in_process(H)

    assert rows(fresh, "select registration from staging_events") == [(1541016707796.0,)]


def test_song_fields_that_are_json_numbers_are_kept_as_text(fresh):
    put_songs(fresh, [song("SONUM", title=1999, artist_name=311, artist_location=90210)])
    put(fresh, DAY_KEY, event_lines([event(ms(H, 1), song="1999", artist="311", length=200.0)]))

    run_hour_in_process(H)

    assert rows(fresh, "select title from songs") == [("1999",)]
    assert rows(fresh, "select name, location from artists") == [("311", "90210")]
    assert rows(fresh, "select song_id from songplays") == [("SONUM",)]


def test_year_zero_is_kept_as_zero(fresh):
    put_songs(fresh, [song("SOZERO", year=0)])

    run_hour_in_process(H)

    assert rows(fresh, "select year from songs") == [(0,)]


def test_missing_coordinates_stay_null(fresh):
    put_songs(fresh, [song("SONULL", artist_latitude=None, artist_longitude=None)])

    run_hour_in_process(H)

    assert rows(fresh, "select latitude, longitude from artists") == [(None, None)]


def test_an_artist_with_several_names_gets_one_row_by_the_documented_rule(fresh):
    # Two songs carry "Mos Def", one "Mos Def feat. Q-Tip": the majority name wins.
    put_songs(
        fresh,
        [
            song("SO3", artist_id="ARMOS", artist_name="Mos Def feat. Q-Tip", artist_location="Brooklyn"),
            song("SO1", artist_id="ARMOS", artist_name="Mos Def", artist_location="New York"),
            song("SO2", artist_id="ARMOS", artist_name="Mos Def", artist_location="NYC"),
        ],
    )

    run_hour_in_process(H)

    assert rows(fresh, "select artist_id, name, location from artists") == [("ARMOS", "Mos Def", "New York")]


def test_non_ascii_text_survives(fresh):
    put_songs(fresh, [song("SOUTF", title="Café Über Río", artist_name="Zoë Ñuñez")])
    put(fresh, DAY_KEY, event_lines([event(ms(H, 1), firstName="Renée", location="São Paulo")]))

    run_hour_in_process(H)

    assert rows(fresh, "select title from songs") == [("Café Über Río",)]
    assert rows(fresh, "select first_name from users") == [("Renée",)]
    assert rows(fresh, "select location from songplays") == [("São Paulo",)]


def test_user_agents_with_literal_quotes_and_escaped_slashes_are_kept_exactly(fresh):
    agent = '"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"'
    line = json.dumps(event(ms(H, 1), userAgent=agent)).replace("/", "\\/")
    put(fresh, DAY_KEY, line)

    run_hour_in_process(H)

    assert rows(fresh, "select user_agent from songplays") == [(agent,)]


def test_backslashes_and_tabs_inside_values_are_kept(fresh):
    tricky = "back\\slash\tand tab"
    put(fresh, DAY_KEY, event_lines([event(ms(H, 1), song=tricky)]))

    run_hour_in_process(H)

    assert rows(fresh, "select song from staging_events") == [(tricky,)]


def test_a_file_without_a_final_newline_loses_no_event(fresh):
    body = event_lines([event(ms(H, 1), itemInSession=0), event(ms(H, 2), itemInSession=1)])
    assert not body.endswith("\n")
    put(fresh, DAY_KEY, body)

    run_hour_in_process(H)

    assert rows(fresh, "select count(*) from songplays") == [(2,)]
