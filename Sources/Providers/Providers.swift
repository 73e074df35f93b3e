// Providers: see README and ../shared/DESIGN.md.
