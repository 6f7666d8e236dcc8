"""What a computed page starts from: nothing kept, neither in Django's caches nor in a process memo."""

from django.core.cache import cache

from toolkit.memo import forget_everything, process_memo


def test_forgetting_everything_empties_the_caches_and_the_process_memos():
    calls = []

    @process_memo
    def square(number):
        calls.append(number)
        return number * number

    assert square(3) == square(3) == 9 and calls == [3]  # kept
    cache.set("kept", 1)
    forget_everything()
    assert cache.get("kept") is None
    assert square(3) == 9 and calls == [3, 3]  # computed again
