"""A user name that can be mistaken for a taken one is refused with a sentence, on sign-up and in the
admin: "аdmin" with a Cyrillic а, "ADMIN" and "Admin" beside "admin" (names are case-insensitive for
uniqueness). Existing users, look-alike pairs made before the rule included, keep working."""

import html

import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db
PASSWORD = "a long pass phrase 7"
REFUSED = "This user name can be mistaken for one already taken (“admin”)"


@pytest.fixture(autouse=True)
def _fresh(fresh_cache):
    """Sign-ups are throttled per address; these tests sign up several times."""


def sign_up(client, name):
    return client.post("/accounts/signup/", {"username": name, "password1": PASSWORD, "password2": PASSWORD})


def names():
    return sorted(get_user_model().objects.values_list("username", flat=True))


@pytest.mark.parametrize("lookalike", ["\u0430dmin", "ADMIN", "Admin", "adm\u0456n", "adrnin", "ａｄｍｉｎ"])
def test_a_lookalike_of_a_taken_name_is_refused_on_sign_up(client, lookalike):
    assert sign_up(client, "admin").status_code == 302
    client.logout()
    response = sign_up(client, lookalike)
    page = html.unescape(response.content.decode())
    assert response.status_code == 200 and REFUSED in page, page[:2000]
    assert names() == ["admin"]


def test_different_names_in_any_alphabet_are_still_welcome(client):
    for name in ["admin", "alice", "Алексей", "李雷", "mike"]:
        assert sign_up(client, name).status_code == 302, name
        client.logout()
    assert len(names()) == 5


def test_the_admin_refuses_a_lookalike_too(client, django_user_model):
    django_user_model.objects.create_user("admin", password=PASSWORD)
    boss = django_user_model.objects.create_superuser("root", password=PASSWORD)
    client.force_login(boss)
    response = client.post("/admin/auth/user/add/", {"username": "\u0430dmin", "password1": PASSWORD,
                                                     "password2": PASSWORD, "usable_password": "true"})
    assert response.status_code == 200 and REFUSED in html.unescape(response.content.decode())
    other = django_user_model.objects.create_user("bob", password=PASSWORD)
    response = client.post(f"/admin/auth/user/{other.pk}/change/", {
        "username": "Admin", "date_joined_0": "2024-01-01", "date_joined_1": "00:00:00", "is_active": "on"})
    assert response.status_code == 200 and REFUSED in html.unescape(response.content.decode())
    assert names() == ["admin", "bob", "root"]


def test_existing_lookalikes_keep_working(client, django_user_model):
    django_user_model.objects.create_user("admin", password=PASSWORD)
    django_user_model.objects.create_user("\u0430dmin", password=PASSWORD)  # made before the rule
    for name in ["admin", "\u0430dmin"]:
        assert client.post("/accounts/login/", {"username": name, "password": PASSWORD}).status_code == 302
        client.logout()


def test_the_skeleton_folds_confusables_and_case():
    from accounts.usernames import skeletons

    assert skeletons("\u0430dmin") & skeletons("admin") and skeletons("ADMIN") & skeletons("admin")
    assert not skeletons("mike") & skeletons("mlke")
