"""The migrations build exactly the schema the models describe."""


def test_models_have_no_changes_without_a_migration(app, session):
    result = app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
