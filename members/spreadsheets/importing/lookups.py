"""The employers a member roster may name, looked up without a query per row."""

from organizations.models import Employer

FIELDS = ("id", "name", "credit_code", "union_id")


class Employers:
    """The employers ``user`` sees, read as plain rows in one query (a city has a few
    hundred thousand, a roster names a few): by id, credit code and name. A model
    instance (with the fields read, as ``only()`` gives it) is made once for each
    employer a row names; it holds its covering union from ``unions_by_id``, which
    Member.clean names."""

    def __init__(self, user, unions_by_id):
        self.unions_by_id = unions_by_id
        self.rows, self.by_code, self.by_name, self.objects = {}, {}, {}, {}
        for pk, *row in Employer.objects.visible_to(user).values_list(*FIELDS):
            self.rows[pk] = row
            name, credit_code, _union_id = row
            if credit_code:
                self.by_code[credit_code] = pk
            self.by_name.setdefault(name, []).append(pk)

    def __contains__(self, pk):
        return pk in self.rows

    def get(self, pk):
        employer = self.objects.get(pk)
        if employer is None:
            employer = Employer.from_db(None, FIELDS, [pk, *self.rows[pk]])
            if employer.union_id in self.unions_by_id:
                employer.union = self.unions_by_id[employer.union_id]
            self.objects[pk] = employer
        return employer

    def with_code(self, code):
        pk = self.by_code.get(code)
        return None if pk is None else self.get(pk)

    def named(self, name):
        return [self.get(pk) for pk in self.by_name.get(name, ())]
