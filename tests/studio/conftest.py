import pytest

from studio.enums import Role
from tests.campaigns.conftest import make_studio


@pytest.fixture
def studio(world):
    return make_studio(world)


@pytest.fixture
def director(studio, client):
    client.force_login(studio.world.user("brand-a", Role.CREATIVE_DIRECTOR))
    return client
