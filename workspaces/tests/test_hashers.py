"""workspaces/hashers.py: Django's PBKDF2, hashed in the process's one low-priority thread."""

import threading

from django.contrib.auth.hashers import PBKDF2PasswordHasher, check_password, identify_hasher, make_password

from workspaces import hashers


def test_hashes_are_django_s_own_both_ways():
    ours = hashers.LowPriorityPBKDF2PasswordHasher()
    stock = PBKDF2PasswordHasher()

    assert stock.verify("s3cret-words", ours.encode("s3cret-words", stock.salt()))
    assert ours.verify("s3cret-words", stock.encode("s3cret-words", stock.salt()))
    assert not ours.verify("wrong", stock.encode("s3cret-words", stock.salt()))


def test_settings_use_it_and_it_hashes_in_one_thread_of_lower_priority(monkeypatch):
    seen = []
    encode = PBKDF2PasswordHasher.encode

    def spy(self, password, salt, iterations=None):
        seen.append(threading.current_thread().name)
        return encode(self, password, salt, iterations)

    monkeypatch.setattr(PBKDF2PasswordHasher, "encode", spy)

    encoded = make_password("s3cret-words")

    assert isinstance(identify_hasher(encoded), hashers.LowPriorityPBKDF2PasswordHasher)
    assert check_password("s3cret-words", encoded)
    assert seen and all(name.startswith("password-hash") for name in seen)
    assert len(set(seen)) == 1  # one thread per process
