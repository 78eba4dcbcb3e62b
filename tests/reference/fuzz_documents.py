"""Fuzzes DX Atlas's GraphQL API with fragment-heavy and directive-heavy query documents.

Schemathesis (fuzz_graphql.py) sends generated arguments to every field, but never a fragment
or a directive, and those are where a GraphQL engine does work that grows faster than the
query's text: fragments that each spread the next twice expand to 2^n selections, fragments
that spread each other never end, and a directive is evaluated wherever its field is. This
fuzzer reads the schema by introspection and builds documents from its real fields with
hypothesis: named fragments in chains, diamonds, cycles and doubling "bombs" 10 to 40 levels
deep; the same spread many times; unused, unknown and mistyped fragments; inline fragments with
and without type conditions, nested; @skip and @include with literal and variable conditions
(declared or not, of the wrong type), repeated up to hundreds of times, unknown or in the wrong
place; aliases of one field past the limit; several operations with and without
operationName. Boundaries and map documents are left out so that every case stays cheap.

Every answer is checked:

- what a server error means for DX Atlas, as in fuzz_graphql.py: an HTTP status of 500 or
  more, a body that is not JSON, or an error without a client-side code (INTERNAL_SERVER_ERROR
  is a fault of ours; QUERY_TOO_COMPLEX, QUERY_TOO_DEEP, TOO_MANY_ALIASES,
  GRAPHQL_VALIDATION_FAILED, GRAPHQL_PARSE_FAILED or BAD_USER_INPUT are right answers);
- an answer within 5 s: the service refuses heavy shapes before executing them, so a slow
  answer means a shape got past the limits.

A few fixed cases (the worst shapes) run first, so that the run never depends on the generator
drawing them. The run is bounded by count, with a fixed seed and no example database, so that
a busy machine makes it slower but never different. It stops at the first failure, printing
the document and the answer.

Usage: fuzz_documents.py GRAPHQL_URL CASES
"""

import functools
import json
import sys
import time
from collections import Counter

import requests
from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
from hypothesis import strategies as st

# Far above any answer the limits allow; a timeout fails the run.
REQUEST_TIMEOUT = 20
# The service refuses heavy shapes before executing them, so every answer should be quick,
# even from a debug build.
SLOW_ANSWER = 5.0

INTROSPECTION = """
query IntrospectionQuery {
  __schema {
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types { ...FullType }
    directives { name locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name
  fields(includeDeprecated: true) {
    name args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason
  }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}
"""

# Boundaries, map documents and the analyses behind them: each case must stay cheap, and
# these weigh kilobytes to megabytes or seconds of work whatever fragments surround them.
HEAVY_FIELDS = {
    "geometry",
    "feature",
    "document",
    "clusterMap",
    "choropleth",
    "spatialAutocorrelation",
}

# Plausible values, so that many documents get past validation and are executed.
CODES = {
    "municipality": ['"13104"', '"131041"', '"01100"'],
    "prefecture": ['"13"', '"130001"'],
    "indicator": ['"cio.appointed"', '"gis.status"'],
}
PLAUSIBLE = {
    "indicator": ['"cio.appointed"', '"gis.status"'],
    "subject": ["MUNICIPALITY", "PREFECTURE"],
    "lon": ["139.7671"],
    "lat": ["35.6812"],
    "first": ["3", "1", "5"],
    "edition": ['"R5"'],
    "section": ['"1-1"', '"1"'],
    "groupBy": ["NATION", "KIND", "PREFECTURE"],
    "kind": ["SPECIAL_WARD", "CITY"],
    "filter": ['{prefecture: "13"}', "{kind: SPECIAL_WARD}"],
}
# Optional arguments given now and then; `first` always, as a page defaults to 100 items.
OPTIONAL = {"edition", "section", "groupBy", "kind", "filter", "subject"}
ALWAYS = {"first"}

# Items a list of objects holds, roughly; nesting stops where their product would pass
# MAX_FAN_OUT, so that no generated case asks for thousands of objects.
FAN_OUT = {"prefectures": 47, "municipalities": 38, "neighbors": 6, "nodes": 5, "edges": 5}
DEFAULT_FAN_OUT = 50
MAX_FAN_OUT = 400

LITERAL_DIRECTIVES = [
    "@include(if: true)",
    "@include(if: false)",
    "@skip(if: true)",
    "@skip(if: false)",
    "@include(if: true) @skip(if: false)",
]
MALFORMED_DIRECTIVES = [
    "@include",
    "@skip()",
    '@include(if: "true")',
    "@include(if: 1)",
    "@include(if: null)",
    "@include(if: TRUE)",
    "@include(if: true, if: false)",
    "@skip(unless: true)",
    "@include(if: $undeclared)",
    "@nope",
    "@nope(if: true)",
    '@deprecated(reason: "x")',
    '@specifiedBy(url: "https://example.org")',
    "@defer",
    '@defer(label: "x")',
    "@stream(initialCount: 1)",
    "@oneOf",
    "@include(if: [true])",
    "@skip(if: {if: true})",
]
# Declared types of the variables given to @skip/@include, and their values: the first few
# right, the others wrong. MISSING is a variable left out of the request's `variables`.
MISSING = object()
VALID_VARIABLES = [
    ("Boolean!", True),
    ("Boolean!", False),
    ("Boolean! = true", MISSING),
    ("Boolean = false", True),
]
VARIABLE_TYPES = ["Boolean!"] * 3 + [
    "Boolean! = true",
    "Boolean = false",
    "Boolean",
    "String!",
    "Int",
    "[Boolean!]",
    "Nope",
    None,  # undeclared
]
VARIABLE_VALUES = [True, False, True, False, MISSING, None, "true", 1, [True], {"if": True}]


@functools.cache
def integers(low, high):
    # Thousands of draws a document: building a strategy for each would dominate the run.
    return st.integers(low, high)


def unwrap(ref):
    """The named type under a type reference, and whether a list wraps it."""
    is_list = False
    while ref["kind"] in ("NON_NULL", "LIST"):
        is_list = is_list or ref["kind"] == "LIST"
        ref = ref["ofType"]
    return ref["name"], is_list


class Schema:
    """The parts of the introspected schema the generator needs."""

    def __init__(self, data):
        schema = data["__schema"]
        self.root = schema["queryType"]["name"]
        self.types = {t["name"]: t for t in schema["types"]}
        self.objects = sorted(
            n for n, t in self.types.items() if t["kind"] == "OBJECT" and not n.startswith("__")
        )
        self.usable = {}

    def is_leaf(self, name):
        return self.types[name]["kind"] in ("SCALAR", "ENUM")

    def fields(self, type_name, fan, leaves_only):
        """Fields of a type worth selecting at this fan-out, `__typename` always among them."""
        key = (type_name, fan, leaves_only)
        if key not in self.usable:
            self.usable[key] = self._fields(type_name, fan, leaves_only)
        return self.usable[key]

    def _fields(self, type_name, fan, leaves_only):
        usable = [{"name": "__typename", "args": [], "base": "String", "list": False, "leaf": True}]
        for field in self.types[type_name].get("fields") or []:
            if field["name"] in HEAVY_FIELDS:
                continue
            base, is_list = unwrap(field["type"])
            if base == "JSON":
                continue  # boundaries and documents
            leaf = self.is_leaf(base)
            if not leaf:
                if leaves_only:
                    continue
                if is_list and fan * FAN_OUT.get(field["name"], DEFAULT_FAN_OUT) > MAX_FAN_OUT:
                    continue
            usable.append(
                {
                    "name": field["name"],
                    "args": field["args"],
                    "base": base,
                    "list": is_list,
                    "leaf": leaf,
                }
            )
        return usable


class Scope:
    """What one operation or fragment uses directly: variables and fragment spreads."""

    def __init__(self):
        self.variables = set()
        self.spreads = set()


class Document:
    """Builds one document from hypothesis's draws."""

    def __init__(self, draw, schema):
        self.draw = draw
        self.schema = schema
        self.fragments = {}  # name -> (type, fan-out it was written for, text, scope)
        self.building = []  # fragments being written, outermost first
        self.scope = Scope()
        self.variables = {}  # name -> (declared type or None, value or MISSING)
        self.counter = 0
        # Half the documents keep to the rules, so that they get past validation and run;
        # the other half also carry mistakes anywhere a client could make one.
        self.strict = self.chance(50)

    # Drawing helpers.

    def chance(self, percent):
        return self.number(0, 99) < percent

    def pick(self, options):
        return options[self.number(0, len(options) - 1)]

    def number(self, low, high):
        return self.draw(integers(low, high))

    def fresh(self, prefix):
        self.counter += 1
        return f"{prefix}{self.counter}"

    # Arguments.

    def value(self, field_name, arg):
        name = arg["name"]
        if name == "code" and field_name in CODES:
            return self.pick(CODES[field_name])
        if name in PLAUSIBLE:
            return self.pick(PLAUSIBLE[name])
        base, is_list = unwrap(arg["type"])
        kind = self.schema.types[base]["kind"]
        if kind == "ENUM":
            text = self.schema.types[base]["enumValues"][0]["name"]
        elif kind == "INPUT_OBJECT":
            text = "{}"
        else:
            text = {"Int": "1", "Float": "1.5", "Boolean": "true"}.get(base, '"x"')
        return f"[{text}]" if is_list else text

    def arguments(self, field):
        parts = []
        for arg in field["args"]:
            required = arg["type"]["kind"] == "NON_NULL" and arg["defaultValue"] is None
            name = arg["name"]
            if required or name in ALWAYS or (name in OPTIONAL and self.chance(20)):
                parts.append(f"{name}: {self.value(field['name'], arg)}")
        return f"({', '.join(parts)})" if parts else ""

    # Directives.

    def variable(self):
        name = self.pick(["v0", "v1", "v2", "v3"])
        if name not in self.variables:
            if self.strict or self.chance(50):
                self.variables[name] = self.pick(VALID_VARIABLES)
            else:
                self.variables[name] = (self.pick(VARIABLE_TYPES), self.pick(VARIABLE_VALUES))
        self.scope.variables.add(name)
        return "$" + name

    def directive(self):
        roll = self.number(0, 99)
        if roll < 45:
            return self.pick(LITERAL_DIRECTIVES)
        if roll < 80 or self.strict:
            return f"@{self.pick(['include', 'skip'])}(if: {self.variable()})"
        return self.pick(MALFORMED_DIRECTIVES)

    def directives(self, percent=25):
        """Usually none; sometimes one; now and then the same one many times."""
        if not self.chance(percent):
            return ""
        if self.strict or self.chance(70):
            return " " + self.directive()
        times = self.number(2, 300) if self.chance(25) else self.number(2, 60)
        if self.chance(50):
            return " " + " ".join([self.directive()] * times)
        return " " + " ".join(self.directive() for _ in range(min(times, 20)))

    # Selections.

    def selection_set(self, type_name, depth, fan):
        items = [self.selection(type_name, depth, fan) for _ in range(self.number(1, 4))]
        return "{ " + " ".join(items) + " }"

    def selection(self, type_name, depth, fan):
        roll = self.number(0, 99)
        if depth <= 0 or roll < 40:
            return self.field(type_name, depth, fan)
        if roll < 52:
            return self.aliases(type_name, depth, fan)
        if roll < 66:
            return self.inline(type_name, depth, fan)
        if roll < 90 or self.strict:
            return self.spread(type_name, depth, fan)
        return self.oddity(type_name, depth, fan)

    def field(self, type_name, depth, fan, alias=None, chosen=None):
        field = chosen or self.pick(self.schema.fields(type_name, fan, depth <= 0))
        text = f"{alias}: " if alias else ""
        text += field["name"] + self.arguments(field) + self.directives()
        if not field["leaf"]:
            inner = fan * FAN_OUT.get(field["name"], DEFAULT_FAN_OUT) if field["list"] else fan
            text += " " + self.selection_set(field["base"], depth - 1, inner)
        return text

    def aliases(self, type_name, depth, fan):
        """The same field under several aliases; now and then more than the 64 allowed."""
        field = self.pick(self.schema.fields(type_name, fan, depth <= 1))
        count = self.number(30, 80) if self.chance(8) else self.number(2, 5)
        prefix = self.fresh("a")
        return " ".join(self.field(type_name, 0, fan, f"{prefix}_{i}", field) for i in range(count))

    def inline(self, type_name, depth, fan):
        roll = self.number(0, 99)
        if roll < 35:
            condition, inner = "", type_name
        elif roll < 80 or self.strict:
            condition, inner = f" on {type_name}", type_name
        elif roll < 92:
            inner = self.pick(self.schema.objects)
            condition = f" on {inner}"
        else:
            condition, inner = f" on {self.pick(['Nope', 'String', 'MunicipalityKind'])}", type_name
        return f"...{condition}{self.directives()} {self.selection_set(inner, depth - 1, fan)}"

    def spread(self, type_name, depth, fan):
        reusable = [
            name
            for name, (on, written_for, _, _) in self.fragments.items()
            if on == type_name and written_for >= fan
        ]
        if reusable and self.chance(45):
            name = self.pick(reusable)  # a diamond: two places spreading one fragment
        else:
            name = self.fragment(type_name, depth - 1, fan)
        self.scope.spreads.add(name)
        times = self.number(2, 40) if self.chance(10) else 1
        return " ".join(f"...{name}{self.directives()}" for _ in range(times))

    def fragment(self, type_name, depth, fan):
        name = self.fresh("F")
        outer = self.scope
        self.scope = Scope()
        self.building.append(name)
        body = self.selection_set(type_name, depth, fan)
        self.building.pop()
        # Directives are not allowed on a fragment's definition.
        misplaced = "" if self.strict else self.directives(5)
        self.define(name, type_name, body, fan, directives=misplaced)
        self.scope = outer
        return name

    def define(self, name, type_name, body, fan=1, scope=None, directives=""):
        """Adds a fragment written for selections at that fan-out."""
        text = f"fragment {name} on {type_name}{directives} {body}"
        self.fragments[name] = (type_name, fan, text, scope or self.scope)

    def oddity(self, type_name, depth, fan):
        roll = self.number(0, 99)
        if roll < 20 and self.building:
            # A cycle: a fragment spreading itself or one that (transitively) spreads it.
            name = self.pick(self.building)
            self.scope.spreads.add(name)
            return f"...{name}{self.directives()}"
        if roll < 35:
            return f"...Nope{self.directives()}"
        if roll < 55:
            other = self.pick(self.schema.objects)
            name = self.fragment(other, min(depth - 1, 1), fan)
            self.scope.spreads.add(name)
            return f"...{name}{self.directives()}"
        if roll < 65:
            return f"nope{self.directives()}"
        if roll < 75:
            name = self.pick(self.schema.objects)
            return f'__type(name: "{name}"){self.directives()} {{ name kind }}'
        if roll < 85:
            # Two different fields under one alias: a conflict validation must report.
            fields = self.schema.fields(type_name, fan, True)
            alias = self.fresh("c")
            return f"{alias}: __typename {alias}: {self.pick(fields)['name']}"
        # A leaf given a selection set, or an object field without one.
        field = self.pick(self.schema.fields(type_name, fan, False))
        if field["leaf"]:
            return f"{field['name']}{self.arguments(field)} {{ __typename }}"
        return field["name"]

    # Operations.

    def used_variables(self, scope):
        """Variables an operation uses, through every fragment it spreads."""
        seen, stack, used = set(), [scope], set()
        while stack:
            current = stack.pop()
            used |= current.variables
            for name in current.spreads:
                if name not in seen and name in self.fragments:
                    seen.add(name)
                    stack.append(self.fragments[name][3])
        return used

    def operation(self, name, body, scope, kind="query"):
        declared = []
        for variable in sorted(self.used_variables(scope)):
            declared_type = self.variables[variable][0]
            if declared_type is not None:
                declared.append(f"${variable}: {declared_type}")
        if not self.strict and self.chance(10):
            declared.append("$unused: Boolean")
        if declared and not self.strict and self.chance(10):
            declared.append(declared[0])
        header = kind
        if name:
            header += f" {name}"
        if declared:
            header += f"({', '.join(declared)})"
        # Directives are not allowed on a query either.
        if not self.strict:
            header += self.directives(5)
        return f"{header} {body}"

    def render(self, operations, operation_name=MISSING, fragments_first=False):
        """The request: query text, variables and operationName."""
        definitions = [text for (_, _, text, _) in self.fragments.values()]
        parts = definitions + operations if fragments_first else operations + definitions
        request = {"query": "\n".join(parts)}
        values = {n: v for n, (_, v) in self.variables.items() if v is not MISSING}
        if values:
            request["variables"] = values
        if operation_name is not MISSING:
            request["operationName"] = operation_name
        return request


def mixed(doc):
    """Operations over random real fields, with fragments, directives and aliases anywhere."""
    schema = doc.schema
    count = doc.number(2, 3) if doc.chance(30) else 1
    names = [f"Op{i}" for i in range(count)]
    if count > 1 and not doc.strict and doc.chance(20):
        names[1] = names[0]  # operation names must be unique
    operations = []
    for i, name in enumerate(names):
        doc.scope = Scope()
        body = doc.selection_set(schema.root, doc.number(1, 5), 1)
        # The shorthand, one anonymous query without variables.
        if count == 1 and doc.chance(30) and (not doc.strict or not doc.used_variables(doc.scope)):
            operations.append(body)
            names = [None]
            continue
        kind = "query"
        if not doc.strict and doc.chance(5):
            kind = doc.pick(["mutation", "subscription"])  # the schema has neither
        if count > 1 and i == 0 and not doc.strict and doc.chance(15):
            name = names[0] = None  # an anonymous operation must be alone
        operations.append(doc.operation(name, body, doc.scope, kind))
    if not doc.strict and doc.chance(20):
        # A fragment nobody spreads is refused by validation, however it looks.
        doc.scope = Scope()
        doc.fragment(doc.pick(schema.objects), 2, 1)
    roll = doc.number(0, 99)
    if doc.strict:
        # Required with several operations, optional with one.
        operation_name = doc.pick(names) if count > 1 or roll < 50 else MISSING
    elif roll < 40:
        operation_name = MISSING
    elif roll < 70:
        operation_name = doc.pick(names)
    else:
        operation_name = doc.pick(["Nope", None, "", 5])
    return doc.render(operations, operation_name, doc.chance(50))


def base_selection(doc):
    """Where a shape goes: on the root, or under one municipality or prefecture."""
    roll = doc.number(0, 99)
    if roll < 55:
        return doc.schema.root, "{ %s }"
    if roll < 85:
        return "Municipality", '{ municipality(code: "13104") { %s } }'
    return "Prefecture", '{ prefecture(code: "13") { %s } }'


def leaf(doc, type_name):
    return doc.pick(doc.schema.fields(type_name, 1, True))["name"]


def bomb(doc):
    """Fragments each spreading the next two or three times: 2^levels selections or more."""
    type_name, wrapper = base_selection(doc)
    levels = doc.number(10, 40)
    fan = 3 if doc.chance(20) else 2
    names = [doc.fresh("B") for _ in range(levels)]
    for i, name in enumerate(names):
        doc.scope = Scope()
        if i + 1 < levels:
            spreads = [f"...{names[i + 1]}{doc.directives(20)}" for _ in range(fan)]
            doc.scope.spreads.add(names[i + 1])
            if doc.chance(10):
                spreads.append(leaf(doc, type_name))
            body = " ".join(spreads)
        elif doc.chance(10):
            body = f"__typename ...{names[0]}"  # the bomb closed into a cycle
            doc.scope.spreads.add(names[0])
        else:
            body = leaf(doc, type_name) + doc.directives(20)
        doc.define(name, type_name, f"{{ {body} }}")
    top = Scope()
    top.spreads.add(names[0])
    operation = doc.operation("Bomb", wrapper % f"...{names[0]}", top)
    return doc.render([operation], MISSING, doc.chance(50))


def chain(doc):
    """A line of fragments, each spreading the next, up to past the 64 allowed."""
    type_name, wrapper = base_selection(doc)
    length = doc.number(1, 100)
    names = [doc.fresh("C") for _ in range(length)]
    for i, name in enumerate(names):
        doc.scope = Scope()
        body = leaf(doc, type_name) + doc.directives(15)
        if i + 1 < length:
            body += f" ...{names[i + 1]}{doc.directives(15)}"
            doc.scope.spreads.add(names[i + 1])
        doc.define(name, type_name, f"{{ {body} }}")
    top = Scope()
    top.spreads.add(names[0])
    return doc.render([doc.operation("Chain", wrapper % f"...{names[0]}", top)])


def cycle(doc):
    """Fragments spreading each other in a ring, reached from the operation or not at all."""
    type_name, wrapper = base_selection(doc)
    length = doc.number(1, 6)
    fan = doc.number(1, 3)
    names = [doc.fresh("R") for _ in range(length)]
    for i, name in enumerate(names):
        doc.scope = Scope()
        following = names[(i + 1) % length]
        doc.scope.spreads.add(following)
        spreads = " ".join(f"...{following}{doc.directives(20)}" for _ in range(fan))
        body = f"{leaf(doc, type_name)} {spreads}" if doc.chance(50) else spreads
        doc.define(name, type_name, f"{{ {body} }}")
    top = Scope()
    if doc.chance(75):
        top.spreads.add(names[0])
        body = wrapper % f"...{names[0]}"
    else:
        body = wrapper % "__typename"
    return doc.render([doc.operation("Cycle", body, top)])


def many_directives(doc):
    """One field, fragment spread or inline fragment carrying many directives."""
    type_name, wrapper = base_selection(doc)
    doc.scope = Scope()
    count = doc.number(1, 300)
    same = doc.chance(60)
    first = doc.directive()
    directives = " ".join(first if same else doc.directive() for _ in range(count))
    roll = doc.number(0, 99)
    if roll < 50:
        selection = f"{leaf(doc, type_name)} {directives}"
    elif roll < 75:
        selection = f"... on {type_name} {directives} {{ {leaf(doc, type_name)} }}"
    else:
        top = doc.scope
        name = doc.fragment(type_name, 1, 1)
        doc.scope = top
        doc.scope.spreads.add(name)
        selection = f"...{name} {directives}"
    return doc.render([doc.operation("Directives", wrapper % selection, doc.scope)])


def many_aliases(doc):
    """One field under many aliases, in the operation or in fragments spread many times."""
    type_name, wrapper = base_selection(doc)
    doc.scope = Scope()
    field = leaf(doc, type_name)
    count = doc.number(1, 80)
    aliased = " ".join(f"x{i}: {field}{doc.directives(5)}" for i in range(count))
    if doc.chance(40):
        top = doc.scope
        name = doc.fresh("A")
        doc.define(name, type_name, f"{{ {aliased} }}", scope=Scope())
        top.spreads.add(name)
        aliased = " ".join([f"...{name}"] * doc.number(1, 10))
    return doc.render([doc.operation("Aliases", wrapper % aliased, doc.scope)])


def deep(doc):
    """Deep nesting carrying directives: introspection types in types or lists of objects in
    lists (both refused before running, by depth or complexity), or inline fragments in
    inline fragments."""
    doc.scope = Scope()
    levels = doc.number(10, 80)
    roll = doc.number(0, 99)
    if roll < 20:
        # Introspection weighs one a field however deep: only the depth limit stops it.
        text = "name"
        for i in reversed(range(levels)):
            text = f"{'ofType' if i % 3 else 'type'}{doc.directives(30)} {{ {text} }}"
            if i % 3 == 0:
                text = f"fields {{ {text} }}"
        body = f'{{ __type(name: "{doc.pick(doc.schema.objects)}") {{ {text} }} }}'
    elif roll < 60:
        # Through lists only, so that complexity refuses whatever depth lets in.
        path = doc.pick(
            [
                ('municipality(code: "13104")', ["neighbors"]),
                ('prefecture(code: "13")', ["municipalities", "prefecture"]),
                ('municipality(code: "13104")', ["prefecture", "municipalities"]),
                ("prefectures", ["municipalities", "prefecture"]),
            ]
        )
        steps = [path[0]] + [path[1][i % len(path[1])] for i in range(levels)]
        text = "code"  # every type on these paths has one
        for step in reversed(steps):
            text = f"{step}{doc.directives(50)} {{ {text} }}"
        body = "{ " + text + " }"
    else:
        condition = doc.pick(["", f" on {doc.schema.root}"])
        text = "__typename"
        for _ in range(levels):
            text = f"...{condition}{doc.directives(50)} {{ {text} }}"
        body = "{ " + text + " }"
    return doc.render([doc.operation("Deep", body, doc.scope)])


SHAPES = [mixed] * 5 + [bomb, chain, cycle, many_directives, many_aliases, deep]


@st.composite
def documents(draw, schema):
    doc = Document(draw, schema)
    shape = draw(st.sampled_from(SHAPES))
    return shape.__name__, shape(doc)


def bomb_text(levels, leaf_text, fan=2, spread_suffix="", on="QueryRoot", top="{ %s }"):
    lines = ["query Bomb " + top % "...B0"]
    for i in range(levels - 1):
        spreads = " ".join([f"...B{i + 1}{spread_suffix}"] * fan)
        lines.append(f"fragment B{i} on {on} {{ {spreads} }}")
    lines.append(f"fragment B{levels - 1} on {on} {{ {leaf_text} }}")
    return "\n".join(lines)


def chain_text(length):
    lines = ["query Chain { ...C0 }"]
    for i in range(length - 1):
        lines.append(f"fragment C{i} on QueryRoot {{ __typename ...C{i + 1} }}")
    lines.append(f"fragment C{length - 1} on QueryRoot {{ __typename }}")
    return "\n".join(lines)


def aliases_text(count):
    return "{ " + " ".join(f"a{i}: __typename" for i in range(count)) + " }"


def fragments(*definitions, query="{ ...A }"):
    return "\n".join([query, *(f"fragment {d}" for d in definitions)])


FIXED = [
    (
        "27-level bomb, each fragment spreading the next twice",
        {"query": bomb_text(27, "__typename")},
    ),
    (
        "40-level bomb, three spreads each, with directives",
        {"query": bomb_text(40, "__typename", 3, " @include(if: true)")},
    ),
    (
        "12-level bomb within the limit (4,096 selections)",
        {"query": bomb_text(12, "__typename")},
    ),
    (
        "12-level bomb under a municipality",
        {
            "query": bomb_text(
                12, "name", on="Municipality", top='{ municipality(code: "13104") { %s } }'
            )
        },
    ),
    (
        "a 2-fragment cycle",
        {"query": fragments("A on QueryRoot { __typename ...B }", "B on QueryRoot { ...A }")},
    ),
    ("a fragment spreading itself", {"query": fragments("A on QueryRoot { __typename ...A }")}),
    (
        "a doubling cycle",
        {"query": fragments("A on QueryRoot { ...B ...B }", "B on QueryRoot { ...A ...A }")},
    ),
    (
        "an unused cycle",
        {
            "query": fragments(
                "A on QueryRoot { ...B }", "B on QueryRoot { ...A }", query="{ __typename }"
            )
        },
    ),
    ("a chain of 64 fragments", {"query": chain_text(64)}),
    ("a chain of 65 fragments", {"query": chain_text(65)}),
    (
        "6,000 spreads of one fragment",
        {"query": fragments("A on QueryRoot { __typename }", query="{ " + "...A " * 6000 + "}")},
    ),
    ("64 aliases", {"query": aliases_text(64)}),
    ("65 aliases", {"query": aliases_text(65)}),
    (
        "200 @include(if: true) on a field",
        {"query": "{ __typename" + " @include(if: true)" * 200 + " }"},
    ),
    (
        "@skip with an undeclared variable",
        {"query": "query Q { __typename @skip(if: $hide) }", "variables": {"hide": True}},
    ),
    (
        "@include with a variable of the wrong type",
        {
            "query": "query Q($show: String!) { palettes @include(if: $show) { name } }",
            "variables": {"show": "yes"},
        },
    ),
    ("@include on a query", {"query": "query Q @include(if: true) { __typename }"}),
    (
        "@skip on a fragment definition",
        {"query": fragments("A on QueryRoot @skip(if: false) { __typename }")},
    ),
    (
        "100 nested inline fragments",
        {"query": "{ " + "... @include(if: true) { " * 100 + "__typename" + " }" * 101},
    ),
    (
        "neighbours 25 deep with directives",
        {
            "query": '{ municipality(code: "13104") { '
            + "neighbors @include(if: true) { " * 25
            + "code"
            + " }" * 25
            + " } }"
        },
    ),
    (
        "two operations without operationName",
        {"query": "query A { __typename }\nquery B { __typename }"},
    ),
    (
        "two operations with operationName",
        {"query": "query A { __typename }\nquery B { __typename }", "operationName": "B"},
    ),
]


class Finding(Exception):
    """A failed check, already recorded in `Run.failure`."""


class Run:
    def __init__(self, url):
        self.url = url
        self.session = requests.Session()
        self.refused = Counter()
        self.answered = 0
        self.slowest = (0.0, "")
        self.generated = 0
        self.fixed = 0
        self.failure = None

    def fail(self, label, request, problem, status=None, body=b""):
        # Hypothesis replays a failing example; the first report is the one kept.
        if self.failure is None:
            self.failure = "\n".join(
                [
                    f"FAILED ({label}): {problem}",
                    f"request: {json.dumps(request, ensure_ascii=False)[:20000]}",
                    f"status: {status}",
                    f"body: {body[:2000]!r}",
                ]
            )
        raise Finding(problem)

    def check(self, label, request):
        started = time.monotonic()
        try:
            response = self.session.post(self.url, json=request, timeout=REQUEST_TIMEOUT)
        except requests.RequestException as e:
            problem = f"no answer (the connection failed or took more than {REQUEST_TIMEOUT} s)"
            self.fail(label, request, f"{problem}: {e}")
        elapsed = time.monotonic() - started
        if elapsed > self.slowest[0]:
            self.slowest = (elapsed, label)
        status, content = response.status_code, response.content
        if status >= 500:
            self.fail(label, request, f"HTTP {status}", status, content)
        try:
            body = json.loads(content)
        except ValueError as e:
            self.fail(label, request, f"the response is not JSON: {e}", status, content)
        if not isinstance(body, dict):
            self.fail(label, request, "the response is not a JSON object", status, content)
        errors = body.get("errors") or []
        for error in errors:
            code = ((error if isinstance(error, dict) else {}).get("extensions") or {}).get("code")
            if code in (None, "INTERNAL_SERVER_ERROR"):
                problem = f"an error without a client-side code: {error}"
                self.fail(label, request, problem, status, content)
        if elapsed > SLOW_ANSWER:
            problem = f"answered in {elapsed:.3f} s (more than {SLOW_ANSWER} s)"
            self.fail(label, request, problem, status, content)
        if errors:
            self.refused[errors[0]["extensions"]["code"]] += 1
        else:
            self.answered += 1


def introspect(url):
    response = requests.post(url, json={"query": INTROSPECTION}, timeout=REQUEST_TIMEOUT)
    response.raise_for_status()
    body = response.json()
    if body.get("errors"):
        raise SystemExit(f"introspection failed: {body['errors']}")
    return Schema(body["data"])


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    url, cases = sys.argv[1], int(sys.argv[2])
    schema = introspect(url)
    run = Run(url)

    @seed(20230401)
    @settings(
        max_examples=cases,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
        verbosity=Verbosity.quiet,
    )
    @given(documents(schema))
    def generated(case):
        label, request = case
        run.generated += 1
        run.check(label, request)

    try:
        for label, request in FIXED:
            run.fixed += 1
            run.check(label, request)
        generated()
    except Exception:
        if run.failure is None:
            raise
    if run.failure is not None:
        print(run.failure)
        sys.exit(1)
    slowest, label = run.slowest
    print(
        f"Tested: {run.generated + run.fixed} documents "
        f"({run.generated} generated, fixed: {run.fixed}); "
        f"refused by code: {dict(sorted(run.refused.items()))}; answered: {run.answered}; "
        f"slowest: {slowest:.3f} s ({label})"
    )


if __name__ == "__main__":
    main()
