# The cooperative registry, visits and monthly reports live here (see DESIGN.md).
