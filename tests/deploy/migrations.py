"""Moving the test database between migrations of the detector app, and back to the latest after."""

from contextlib import contextmanager

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(targets):
    """Migrate to `targets` ([(app, migration)]); the apps registry as of then."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@contextmanager
def migrated_to(targets):
    """The apps as of `targets`; the database is migrated back to the latest when the block ends."""
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("detector")
    try:
        yield migrate(targets)
    finally:
        migrate(latest)
