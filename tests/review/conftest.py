"""Review fixtures: a staff client, and flagged analyses built without the model."""

import pytest

from tests.fixtures import make_done, make_model


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def flagged(user):
    return make_done(user, verdict="fake", p_fake=0.97, model_version=make_model(name="v-review"))
