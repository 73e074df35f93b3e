// FakeProviders: see README and ../shared/DESIGN.md.
