"""A filter on a column against many values, sent as one parameter.

`field__in=ids` costs Django (each value is prepared apart) and the driver (each placeholder is split apart) time
per value: a few milliseconds per statement for a PMO's 400-odd cooperatives, several statements a page. On
PostgreSQL `AnyOf` sends the values as one array (`= ANY(%s::bigint[])`, written as its text), which the planner
reads as it reads an `IN` list (the same index scans); other databases get the plain `IN` list.
"""

from django.core.exceptions import EmptyResultSet
from django.db.models import F, Lookup, Q


class AnyOf(Lookup):
    """`AnyOf(F("cooperative_id"), ids)`: the column is one of `ids` (integers)."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        values = list(self.rhs)
        if not values:
            raise EmptyResultSet
        lhs, params = self.process_lhs(compiler, connection)
        if connection.vendor == "postgresql":
            # As the array's text ('{1,2,3}', cast): the driver adapts one string faster than a list value by value.
            array = "{" + ",".join(str(int(value)) for value in values) + "}"
            return f"{lhs} = ANY(%s::{self.lhs.output_field.cast_db_type(connection)}[])", [*params, array]
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*params, *values]


def any_of(path: str, ids) -> Q:
    """A filter: the integer column reached by `path` (e.g. "cooperative_id") is one of `ids`."""
    return Q(AnyOf(F(path), tuple(ids)))
