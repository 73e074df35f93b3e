// Pipeline: see README and ../shared/DESIGN.md.
