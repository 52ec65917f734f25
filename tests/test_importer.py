"""The invitation list importer: pure functions, so no app or database."""

import time

import pytest

from elearn.organisations.importer import (
    MAX_BYTES,
    MAX_ROWS,
    ImportProblem,
    ImportRejected,
    Invitee,
    parse_csv,
    parse_pasted,
)


def csv_bytes(*lines: str, ending: str = "\n", encoding: str = "utf-8") -> bytes:
    return ending.join(lines).encode(encoding) + ending.encode()


def problems_in(data: bytes) -> list[ImportProblem]:
    with pytest.raises(ImportRejected) as rejected:
        parse_csv(data)
    return rejected.value.problems


def messages_in(data: bytes) -> list[str]:
    return [problem.message for problem in problems_in(data)]


def pasted_messages(text: str) -> list[str]:
    with pytest.raises(ImportRejected) as rejected:
        parse_pasted(text)
    return [problem.message for problem in rejected.value.problems]


# Encodings and file types


def test_utf8_file_gives_invitees_in_file_order():
    data = csv_bytes("name,email,team", "Ann Lee,ann@example.com,Wardens", "Bob,bob@example.com,")

    assert parse_csv(data) == [
        Invitee(line=2, email="ann@example.com", name="Ann Lee", team="Wardens"),
        Invitee(line=3, email="bob@example.com", name="Bob", team=None),
    ]


def test_utf8_file_with_bom_and_windows_line_endings_is_read():
    data = b"\xef\xbb\xbf" + csv_bytes("email,name", "ann@example.com,Zoë", ending="\r\n")

    assert parse_csv(data) == [Invitee(line=2, email="ann@example.com", name="Zoë", team=None)]


def test_old_mac_line_endings_are_read():
    data = csv_bytes("email", "ann@example.com", "bob@example.com", ending="\r")

    assert [invitee.line for invitee in parse_csv(data)] == [2, 3]


def test_latin1_file_is_rejected_with_how_to_save_as_utf8():
    data = csv_bytes("name,email", "Zoë,zoe@example.com", encoding="latin-1")

    assert problems_in(data) == [
        ImportProblem(None, "The file must be saved as UTF-8 (in Excel: Save as, CSV UTF-8)")
    ]


def test_xlsx_workbook_is_rejected_before_decoding():
    data = b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256))

    assert messages_in(data) == [
        "Upload a CSV file, not an Excel workbook (in Excel: Save as, CSV UTF-8)"
    ]


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b" \r\n\n"])
def test_empty_file_is_rejected(data):
    assert problems_in(data) == [ImportProblem(None, "The file is empty")]


def test_file_over_2_mb_is_rejected_at_once():
    data = b"email\n" + b"x" * MAX_BYTES

    assert messages_in(data) == ["The file must be smaller than 2 MB"]


def test_file_of_exactly_2_mb_is_read():
    row = b"email\nann@example.com"
    data = row + b"," * (MAX_BYTES - len(row))

    assert len(data) == MAX_BYTES
    assert [invitee.email for invitee in parse_csv(data)] == ["ann@example.com"]


# Delimiters and quoting


def test_semicolons_are_the_delimiter_when_the_header_uses_them():
    data = csv_bytes("name;email;team", "Lee, Ann;ann@example.com;Wardens, North")

    assert parse_csv(data) == [
        Invitee(line=2, email="ann@example.com", name="Lee, Ann", team="Wardens, North")
    ]


def test_commas_win_when_the_header_has_both_delimiters():
    data = csv_bytes("name,email", '"Lee; Ann",ann@example.com')

    assert parse_csv(data)[0].name == "Lee; Ann"


def test_quoted_cells_with_commas_and_line_breaks_keep_line_numbers_right():
    data = csv_bytes(
        "name,email,team",
        '"Lee, Ann",ann@example.com,"Wardens',
        'North"',
        "Bob,bob@example.com,",
        '"Cho,',
        "",
        'Wei",,Patrol',
    )

    with pytest.raises(ImportRejected) as rejected:
        parse_csv(data)

    assert rejected.value.problems == [ImportProblem(5, "Line 5: enter an email address")]
    data = data.replace(b",,Patrol", b",wei@example.com,Patrol")
    assert parse_csv(data) == [
        Invitee(line=2, email="ann@example.com", name="Lee, Ann", team="Wardens North"),
        Invitee(line=4, email="bob@example.com", name="Bob", team=None),
        Invitee(line=5, email="wei@example.com", name="Cho, Wei", team="Patrol"),
    ]


# Header


def test_header_names_ignore_case_spaces_and_order():
    data = csv_bytes(" TEAM , Email,Name ", "Wardens,ann@example.com,Ann")

    assert parse_csv(data) == [Invitee(line=2, email="ann@example.com", name="Ann", team="Wardens")]


def test_email_is_the_only_required_column():
    assert parse_csv(csv_bytes("email", "ann@example.com")) == [
        Invitee(line=2, email="ann@example.com", name=None, team=None)
    ]


def test_each_unknown_column_is_a_problem_on_line_1():
    data = csv_bytes("name,email,Phone,role", "Ann,ann@example.com,0123,boss")

    assert problems_in(data) == [
        ImportProblem(1, "Unknown column 'Phone': use name, email and team"),
        ImportProblem(1, "Unknown column 'role': use name, email and team"),
    ]


def test_unknown_column_does_not_hide_problems_in_rows():
    data = csv_bytes("email,phone", "ann@,0123")

    assert messages_in(data) == [
        "Unknown column 'phone': use name, email and team",
        "Line 2: 'ann@' is not a valid email address",
    ]


def test_repeated_column_is_a_problem():
    data = csv_bytes("email,name,Email", "ann@example.com,Ann,ann@example.com")

    assert messages_in(data) == ["The email column appears more than once"]


def test_unnamed_column_in_the_middle_is_a_problem():
    data = csv_bytes("name,,email", "Ann,x,ann@example.com")

    assert messages_in(data) == ["Column 2 has no name: use name, email and team"]


def test_missing_email_column_is_the_only_problem_reported_for_rows():
    data = csv_bytes("name,team", "Ann,Wardens", ",")

    assert problems_in(data) == [ImportProblem(1, "The file must have an email column")]


def test_file_without_a_header_row_is_told_to_add_one():
    data = csv_bytes("Ann,ann@example.com", "Bob,bob@example.com")

    assert messages_in(data) == [
        "The first line must name the columns: use name, email and team",
        "The file must have an email column",
    ]


def test_header_only_file_has_no_rows_of_people():
    assert messages_in(csv_bytes("name,email,team", ",,", "")) == ["The file has no rows of people"]


# Rows


def test_each_row_problem_is_reported_with_its_line():
    data = csv_bytes(
        "name,email,team",
        "Ann,,Wardens",
        "Bob,bob@,",
        "Cy,cy@example.com,Patrol,extra",
        f"{'D' * 201},d@example.com,",
        f"Ed,ed@example.com,{'T' * 121}",
        "Fay,fay example.com,",
        "Gil,gil@localhost,",
    )

    assert problems_in(data) == [
        ImportProblem(2, "Line 2: enter an email address"),
        ImportProblem(3, "Line 3: 'bob@' is not a valid email address"),
        ImportProblem(4, "Line 4: has more cells than the header row"),
        ImportProblem(5, "Line 5: name must be 200 characters or fewer"),
        ImportProblem(6, "Line 6: team must be 120 characters or fewer"),
        ImportProblem(7, "Line 7: 'fay example.com' is not a valid email address"),
        ImportProblem(8, "Line 8: 'gil@localhost' is not a valid email address"),
    ]


def test_names_and_teams_at_their_length_limits_are_accepted():
    data = csv_bytes("name,email,team", f"{'N' * 200},ann@example.com,{'T' * 120}")

    assert parse_csv(data) == [
        Invitee(line=2, email="ann@example.com", name="N" * 200, team="T" * 120)
    ]


def test_one_row_can_have_several_problems():
    data = csv_bytes("name,email", f"{'N' * 201},,surplus")

    assert messages_in(data) == [
        "Line 2: has more cells than the header row",
        "Line 2: enter an email address",
        "Line 2: name must be 200 characters or fewer",
    ]


def test_trailing_empty_cells_from_spreadsheets_are_not_extra_cells():
    data = csv_bytes("name,email,team,,", "Ann,ann@example.com,,,,,")

    assert parse_csv(data) == [Invitee(line=2, email="ann@example.com", name="Ann", team=None)]


def test_rows_with_fewer_cells_than_the_header_leave_the_rest_empty():
    data = csv_bytes("email,name,team", "ann@example.com")

    assert parse_csv(data) == [Invitee(line=2, email="ann@example.com", name=None, team=None)]


def test_repeated_email_is_reported_against_its_first_line_whatever_its_case():
    data = csv_bytes(
        "email", "bob@example.com", "ann@example.com", " BOB@Example.COM ", "bob@example.com"
    )

    assert problems_in(data) == [
        ImportProblem(4, "Line 4: bob@example.com is already on line 2"),
        ImportProblem(5, "Line 5: bob@example.com is already on line 2"),
    ]


def test_emails_are_stripped_and_lower_cased():
    data = csv_bytes("email", "  Ann.Lee@Example.ORG  ")

    assert parse_csv(data)[0].email == "ann.lee@example.org"


def test_blank_rows_are_skipped_and_later_lines_keep_their_numbers():
    data = csv_bytes("name,email", "", "Ann,ann@example.com", " , ", "", "Bob,bob@example.com")

    assert [(invitee.line, invitee.name) for invitee in parse_csv(data)] == [
        (3, "Ann"),
        (6, "Bob"),
    ]


def test_formula_like_cells_are_kept_as_entered():
    data = csv_bytes(
        "name,email,team",
        '"=HYPERLINK(""http://x"")",ann@example.com,+44',
        "-Bob,bob@example.com,@team",
    )

    assert parse_csv(data) == [
        Invitee(line=2, email="ann@example.com", name='=HYPERLINK("http://x")', team="+44"),
        Invitee(line=3, email="bob@example.com", name="-Bob", team="@team"),
    ]


@pytest.mark.parametrize("name", ["Zoë Łukasz", "محمد", "陈伟", "Ayşe Yılmaz", "Σοφία", "Ёлка"])
def test_accented_and_non_latin_names_are_kept(name):
    data = csv_bytes("name,email", f"{name},person@example.com")

    assert parse_csv(data)[0].name == name


def test_internationalised_address_is_accepted():
    assert parse_csv(csv_bytes("email", "Zoë@Exämple.com"))[0].email == "zoë@exämple.com"


# Limits


def rows_of_people(count: int) -> bytes:
    lines = [f"Person {n},person.{n}@example.org,Team {n % 7}" for n in range(count)]
    return csv_bytes("name,email,team", *lines)


def test_10000_rows_are_accepted_quickly():
    data = rows_of_people(MAX_ROWS)

    started = time.perf_counter()
    invitees = parse_csv(data)
    elapsed = time.perf_counter() - started

    assert len(invitees) == MAX_ROWS
    assert invitees[-1] == Invitee(
        line=MAX_ROWS + 1, email="person.9999@example.org", name="Person 9999", team="Team 3"
    )
    assert elapsed < 2


def test_more_than_10000_rows_is_rejected_without_listing_row_problems():
    data = rows_of_people(MAX_ROWS) + b",not-an-email,\n" * 5

    assert problems_in(data) == [
        ImportProblem(None, "The file has more than 10,000 rows: split it into smaller files")
    ]


def test_blank_rows_do_not_count_towards_the_row_limit():
    data = rows_of_people(MAX_ROWS) + b",,\n" * 5

    assert len(parse_csv(data)) == MAX_ROWS


def test_problem_list_is_capped_with_a_count_of_the_rest():
    data = csv_bytes("email", *[f"bad{n}@" for n in range(105)])

    problems = problems_in(data)

    assert len(problems) == 101
    assert problems[0] == ImportProblem(2, "Line 2: 'bad0@' is not a valid email address")
    assert problems[99] == ImportProblem(101, "Line 101: 'bad99@' is not a valid email address")
    assert problems[100] == ImportProblem(None, "And 5 more problems")


def test_rejection_message_joins_every_problem():
    data = csv_bytes("name,email", "Ann,", "Bob,x@")

    with pytest.raises(ImportRejected) as rejected:
        parse_csv(data)

    assert str(rejected.value) == (
        "Line 2: enter an email address\nLine 3: 'x@' is not a valid email address"
    )


def test_unclosed_quote_swallowing_the_file_is_caught_by_the_name_limit():
    data = csv_bytes("name,email", '"Ann,ann@example.com', *["bob@example.com"] * 20)

    assert messages_in(data) == [
        "Line 2: enter an email address",
        "Line 2: name must be 200 characters or fewer",
    ]


def test_unreadable_csv_is_rejected_with_its_line():
    data = csv_bytes("name,email", "Ann,ann@example.com", '"' + "x" * 200_000 + '",b@example.com')

    assert problems_in(data) == [ImportProblem(3, "Line 3: cannot be read as CSV")]


# Pasted lists


def test_pasted_addresses_split_on_commas_semicolons_spaces_and_newlines():
    text = "ann@example.com, bob@example.com;cy@example.com\n\tdee@example.com  eve@example.com"

    assert parse_pasted(text) == [
        Invitee(line=1, email="ann@example.com"),
        Invitee(line=2, email="bob@example.com"),
        Invitee(line=3, email="cy@example.com"),
        Invitee(line=4, email="dee@example.com"),
        Invitee(line=5, email="eve@example.com"),
    ]


def test_pasted_outlook_style_entries_keep_the_name():
    text = (
        'Ann Lee <Ann@Example.com>; "Wei, Chen" <wei@example.com>;'
        " <bob@example.com>, 陈伟 <c@example.com>"
    )

    assert parse_pasted(text) == [
        Invitee(line=1, email="ann@example.com", name="Ann Lee"),
        Invitee(line=2, email="wei@example.com", name="Wei, Chen"),
        Invitee(line=3, email="bob@example.com", name=None),
        Invitee(line=4, email="c@example.com", name="陈伟"),
    ]


def test_pasted_problems_are_numbered_by_entry():
    text = "ann@example.com, ann@, BOB@example.com bob@example.com <> Ann@example.com"

    assert pasted_messages(text) == [
        "Entry 2: 'ann@' is not a valid email address",
        "Entry 5: enter an email address",
    ], "an address given again is not a problem"


def test_a_pasted_address_given_again_is_one_invitee_that_remembers_where():
    text = (
        "ann@example.com, BOB@example.com; Bob Lee <bob@example.com>, Ann@Example.com "
        "bob@example.com"
    )

    assert parse_pasted(text) == [
        Invitee(line=1, email="ann@example.com", repeats=(4,)),
        Invitee(line=2, email="bob@example.com", name="Bob Lee", repeats=(3, 5)),
    ]


@pytest.mark.parametrize("team", ["Claims\x00", "Claims\x1b[31m", "\u202eSmialc"])
def test_a_csv_team_with_control_characters_is_refused(team):
    data = f"email,team\nann@example.com,{team}\n".encode()

    with pytest.raises(ImportRejected) as rejected:
        parse_csv(data)

    assert [p.message for p in rejected.value.problems] == [
        "Line 2: remove the control characters from the team"
    ]


def test_pasted_words_without_at_signs_are_not_valid_addresses():
    assert pasted_messages("Ann Lee ann@example.com") == [
        "Entry 1: 'Ann' is not a valid email address",
        "Entry 2: 'Lee' is not a valid email address",
    ]


@pytest.mark.parametrize("text", ["", "   \n", " , ; \n"])
def test_pasting_nothing_asks_for_an_address(text):
    assert pasted_messages(text) == ["Enter at least one email address"]


def test_pasting_more_than_10000_addresses_is_rejected():
    text = " ".join(f"p{n}@example.com" for n in range(MAX_ROWS + 1))

    assert pasted_messages(text) == [
        "Enter no more than 10,000 email addresses: upload a CSV file instead"
    ]


def test_pasted_text_without_separators_stays_fast():
    started = time.perf_counter()

    with pytest.raises(ImportRejected):
        parse_pasted("Ann " * 200_000)

    assert time.perf_counter() - started < 2
