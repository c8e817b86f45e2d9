"""The referral network (紹介ネットワーク, basic policy 2): which bodies referred how many cases to whom.

Counts only: no company is ever named here. The referring body's regional block (地域ブロック) is its
bureau. Scope: JPO sees every referring body; a bureau sees the referring bodies of its block; any other
body sees only its own row. The JPO-direct cases (プッシュ型) are counted beside them for comparison.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q

from chizai.cases.models import Origin, SupportCase
from chizai.lib.numbers import format_number
from chizai.organizations.models import Organization, OrganizationKind
from chizai.organizations.permissions import organizations_where, sees_everything
from chizai.organizations.types import AnyUser

SCOPE_ALL = "all"
SCOPE_BLOCK = "block"
SCOPE_OWN = "own"


@dataclass(frozen=True)
class Link:
    """The cases one body referred to one support team: a count per fiscal year (aligned with `years`)."""

    referrer: Organization
    team: Organization
    counts: tuple[int, ...]
    total: int


@dataclass(frozen=True)
class BlockGroup:
    """The links of one regional block (None: national bodies outside any block), with its subtotals."""

    bureau: Organization | None
    links: list[Link]
    counts: tuple[int, ...]
    total: int

    @property
    def name(self) -> str:
        return f"{self.bureau.block_name}ブロック" if self.bureau else "全国（ブロックなし）"


@dataclass(frozen=True)
class Network:
    years: list[int]
    blocks: list[BlockGroup]
    counts: tuple[int, ...]
    total: int
    push_counts: tuple[int, ...]
    push_total: int
    scope: str
    push_area: str  # where the push figures are counted: 全国 or a block

    @property
    def links(self) -> list[Link]:
        return [link for block in self.blocks for link in block.links]


def user_bureaus(user: AnyUser) -> list[Organization]:
    """The bureaus (regional blocks) the user acts for."""
    return [o for o in organizations_where(user) if o.kind == OrganizationKind.BUREAU]


def visible_blocks(user: AnyUser) -> list[Organization]:
    """The blocks the user may filter by: all for JPO, its own for a bureau, none for anyone else."""
    if sees_everything(user):
        return list(Organization.objects.bureaus())
    return user_bureaus(user)


def label(organization: Organization) -> str:
    """A body's name as drawn: prefectures by their full name (大阪府), others by their short name if any."""
    if organization.kind == OrganizationKind.PREFECTURE:
        return organization.name
    return organization.display_name


def _block_of(organization: Organization) -> Organization | None:
    return organization if organization.kind == OrganizationKind.BUREAU else organization.bureau


def _in_block(bureau: Organization) -> Q:
    return Q(referred_by=bureau) | Q(referred_by__bureau=bureau)


def _scope(user: AnyUser) -> tuple[str, Q]:
    """The user's scope over referring bodies, as a level and a filter on cases."""
    if sees_everything(user):
        return SCOPE_ALL, Q()
    bureaus = user_bureaus(user)
    q = Q(pk__in=[])
    for bureau in bureaus:
        q |= _in_block(bureau)
    for organization in organizations_where(user):
        q |= Q(referred_by=organization)
    return (SCOPE_BLOCK if bureaus else SCOPE_OWN), q


def _push_counts(scope: str, user: AnyUser, bureau: Organization | None) -> tuple[dict[int, int], str]:
    """JPO-direct cases per fiscal year: in the chosen (or the bureau's own) block, else nationwide."""
    cases = SupportCase.objects.filter(origin=Origin.PUSH)
    if scope == SCOPE_BLOCK and bureau is None:
        bureau = user_bureaus(user)[0]
    area = "全国"
    if bureau is not None and scope != SCOPE_OWN:
        cases = cases.filter(company__prefecture__bureau=bureau)
        area = f"{bureau.block_name}ブロック"
    rows = cases.values("fiscal_year").annotate(n=Count("pk"))
    return {row["fiscal_year"]: row["n"] for row in rows}, area


def _aligned(counts: dict[int, int], years: list[int]) -> tuple[int, ...]:
    return tuple(counts.get(year, 0) for year in years)


def _column_sums(rows: list[tuple[int, ...]], width: int) -> tuple[int, ...]:
    return tuple(sum(row[i] for row in rows) for i in range(width))


def _groups(
    counts: dict[tuple[int, int], dict[int, int]], organizations: dict[int, Organization], years: list[int]
) -> list[BlockGroup]:
    by_block: dict[Organization | None, list[Link]] = defaultdict(list)
    for (referrer_id, team_id), per_year in counts.items():
        referrer = organizations[referrer_id]
        aligned = _aligned(per_year, years)
        by_block[_block_of(referrer)].append(Link(referrer, organizations[team_id], aligned, sum(aligned)))
    groups = []
    for bureau, links in sorted(by_block.items(), key=lambda item: item[0].sort_order if item[0] else 999):
        links.sort(key=lambda link: (link.referrer.kind != OrganizationKind.PREFECTURE, link.referrer.sort_order))
        sums = _column_sums([link.counts for link in links], len(years))
        groups.append(BlockGroup(bureau, links, sums, sum(sums)))
    return groups


def referral_network(user: AnyUser, fiscal_year: int | None = None, bureau: Organization | None = None) -> Network:
    """Referred cases by referring body → support team, per fiscal year, grouped by block, within the user's scope.

    `bureau` narrows to one block; it is ignored unless the user may see that block.
    """
    scope, visible = _scope(user)
    if bureau is not None and bureau not in visible_blocks(user):
        bureau = None
    cases = SupportCase.objects.filter(visible, origin=Origin.REGIONAL, referred_by__isnull=False)
    if bureau is not None:
        cases = cases.filter(_in_block(bureau))
    if fiscal_year is not None:
        cases = cases.filter(fiscal_year=fiscal_year)
    rows = list(cases.values("referred_by", "support_team", "fiscal_year").annotate(n=Count("pk")))
    push, push_area = _push_counts(scope, user, bureau)
    if fiscal_year is not None:
        push = {fiscal_year: push.get(fiscal_year, 0)}
    years = sorted({row["fiscal_year"] for row in rows} | set(push))
    counts: dict[tuple[int, int], dict[int, int]] = defaultdict(dict)
    for row in rows:
        counts[(row["referred_by"], row["support_team"])][row["fiscal_year"]] = row["n"]
    ids = {pk for pair in counts for pk in pair}
    organizations = Organization.objects.select_related("bureau").in_bulk(ids)
    blocks = _groups(counts, organizations, years)
    sums = _column_sums([block.counts for block in blocks], len(years))
    push_aligned = _aligned(push, years)
    return Network(years, blocks, sums, sum(sums), push_aligned, sum(push_aligned), scope, push_area)


# ---------------------------------------------------------------------------------------------------------
# The picture: a bipartite diagram drawn as inline SVG (no script)
# ---------------------------------------------------------------------------------------------------------

WIDTH = 720
ROW_HEIGHT = 30  # one referring body per row
TEAM_GAP = 16  # between the support teams on the right
TOP = 36
BOTTOM = 16
LEFT_X = 250  # where the links leave the referring bodies (their names are right-aligned before it)
RIGHT_X = 500  # where the links reach the support teams (their names follow it)
BAR = 5  # width of the node bars
MAX_STROKE = 18.0  # the widest link
MIN_STROKE = 1.5


@dataclass(frozen=True)
class Node:
    """A body drawn as a bar (x, y, height) with its name and count beside it."""

    label: str
    total: int
    x: float
    y: float
    height: float
    text_x: float
    text_y: float
    anchor: str


@dataclass(frozen=True)
class Edge:
    path: str
    width: float
    title: str


@dataclass(frozen=True)
class Diagram:
    width: int
    height: float
    left: list[Node]
    right: list[Node]
    edges: list[Edge]
    description: str
    bar: int = BAR
    left_heading_x: int = LEFT_X - BAR - 6
    right_heading_x: int = RIGHT_X + BAR + 6

    @property
    def nodes(self) -> list[Node]:
        return self.left + self.right


def _curve(y1: float, y2: float) -> str:
    middle = (LEFT_X + RIGHT_X) // 2
    return f"M {LEFT_X} {y1:.1f} C {middle} {y1:.1f}, {middle} {y2:.1f}, {RIGHT_X} {y2:.1f}"


def _stack(links: list[Link], widths: dict[int, float], top: float) -> dict[int, float]:
    """The centre of each link when the links are stacked downwards from `top`, in the given order."""
    centres = {}
    for link in links:
        centres[id(link)] = top + widths[id(link)] / 2
        top += widths[id(link)]
    return centres


def _node(label_of: Organization, total: int, x: float, top: float, height: float, left: bool) -> Node:
    text_x = x - 6 if left else x + BAR + 6
    return Node(
        label(label_of),
        total,
        x,
        round(top, 1),
        round(height, 1),
        text_x,
        round(top + height / 2, 1),
        "end" if left else "start",
    )


def build_diagram(network: Network) -> Diagram | None:
    """Referring bodies on the left, support teams on the right, joined by links as wide as their counts.

    Widths are proportional to the counts (the widest link is MAX_STROKE, and no body's links together are
    taller than a row); the links stack at each end like the bands of a Sankey diagram.
    """
    links = [link for link in network.links if link.total]
    if not links:
        return None
    referrers = list(dict.fromkeys(link.referrer for link in links))
    teams = list(dict.fromkeys(link.team for link in links))
    by_referrer = {o: [x for x in links if x.referrer == o] for o in referrers}
    by_team = {o: [x for x in links if x.team == o] for o in teams}
    peak_body = max(sum(x.total for x in group) for group in by_referrer.values())
    scale = min(MAX_STROKE / max(x.total for x in links), (ROW_HEIGHT - 6) / peak_body)
    widths = {id(x): round(max(MIN_STROKE, x.total * scale), 1) for x in links}
    team_heights = {o: sum(widths[id(x)] for x in group) for o, group in by_team.items()}
    right_span = sum(team_heights.values()) + TEAM_GAP * (len(teams) - 1)
    drawing = max(len(referrers) * ROW_HEIGHT, right_span)
    height = TOP + drawing + BOTTOM

    left_nodes, starts = [], {}
    for row, referrer in enumerate(referrers):
        group = sorted(by_referrer[referrer], key=lambda x: teams.index(x.team))
        band = sum(widths[id(x)] for x in group)
        centre = TOP + (drawing - len(referrers) * ROW_HEIGHT) / 2 + row * ROW_HEIGHT + ROW_HEIGHT / 2
        starts.update(_stack(group, widths, centre - band / 2))
        bar = max(band, 14)
        total = sum(x.total for x in group)
        left_nodes.append(_node(referrer, total, LEFT_X - BAR, centre - bar / 2, bar, left=True))

    right_nodes, ends = [], {}
    top = TOP + (drawing - right_span) / 2
    for team in teams:
        group = sorted(by_team[team], key=lambda x: starts[id(x)])
        ends.update(_stack(group, widths, top))
        total = sum(x.total for x in group)
        right_nodes.append(_node(team, total, RIGHT_X, top, team_heights[team], left=False))
        top += team_heights[team] + TEAM_GAP

    edges = [
        Edge(
            _curve(starts[id(x)], ends[id(x)]),
            widths[id(x)],
            f"{label(x.referrer)} → {label(x.team)}: {format_number(x.total)}件",
        )
        for x in links
    ]
    description = "紹介元から支援チームへの紹介件数: " + "、".join(edge.title for edge in edges)
    return Diagram(WIDTH, round(height, 1), left_nodes, right_nodes, edges, description)
