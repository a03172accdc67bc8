"""Generate the example clip into media storage now, instead of at the first click (detector.example_clip)."""

from django.core.management.base import BaseCommand

from detector import example_clip


class Command(BaseCommand):
    help = "Store the generated example clip (the astronaut, no dataset faces) that users can analyse in one click."

    def handle(self, *args, **options):
        with example_clip.open_example() as clip:
            self.stdout.write(f"The example clip is stored as {example_clip.NAME} ({clip.size} bytes).")
