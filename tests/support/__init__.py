"""What the tests share: stand-ins, served apps, fixtures."""
