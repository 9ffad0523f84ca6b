"""ServiceTitan's endpoints served here: customers and invoices, list and export, plus the token endpoint.

Query parameters the specs define but the sandbox does not apply (``name``, ``statuses``,
``customerId``...) are accepted and ignored, as the real API ignores names it does not know; every
request is in the request log, so tests can still see what a client sent.
"""

from __future__ import annotations

from typing import NamedTuple

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from servicetitan_sandbox.config import MAX_PAGE_SIZE
from servicetitan_sandbox.dataset import CUSTOMERS, INVOICES
from servicetitan_sandbox.errors import validation_error
from servicetitan_sandbox.export_feed import export_page
from servicetitan_sandbox.gateway import Admitted, Endpoint, through_gateway
from servicetitan_sandbox.hostile_records import MalformedPage, malformed
from servicetitan_sandbox.listing import ActiveFilter, ListQuery, ListSort, SortField, list_page
from servicetitan_sandbox.query_params import QueryReader
from servicetitan_sandbox.state import SandboxState
from servicetitan_sandbox.timestamps import parse_query_datetime
from servicetitan_sandbox.token_endpoint import token_endpoint

DEFAULT_PAGE_SIZE = 50
INT32_MAX = 2**31 - 1


class ActiveParameter(NamedTuple):
    """How a list endpoint names its active-status filter, its values (spelled as the spec's enum) and default."""

    name: str
    values: dict[str, ActiveFilter]
    default: str

    def read(self, reader: QueryReader) -> ActiveFilter:
        return self.values[reader.choice(self.name, tuple(self.values), self.default)]


# Crm: `active` is ActiveRequestArg, "only active items will be returned by default".
CUSTOMER_ACTIVE = ActiveParameter(
    "active", {"True": ActiveFilter.ACTIVE, "Any": ActiveFilter.ANY, "False": ActiveFilter.INACTIVE}, "True"
)
# Accounting: `activeState` is ActiveStateFilterType; the endpoint is documented as returning "all
# invoices ... regardless of status" by default, so the default is All.
INVOICE_ACTIVE = ActiveParameter(
    "activeState",
    {"ActiveOnly": ActiveFilter.ACTIVE, "All": ActiveFilter.ANY, "InactiveOnly": ActiveFilter.INACTIVE},
    "All",
)


def _read_sort(reader: QueryReader) -> ListSort:
    # Crm names the fields ("Available fields are: Id, ModifiedOn, CreatedOn"); Accounting's invoices
    # name none, and its other endpoints name these three too.
    order = reader.sort_order("sort", tuple(field.value for field in SortField))
    return ListSort(SortField(order[0]), descending=order[1]) if order else ListSort()


def _list_endpoint(collection_name: str, active_parameter: ActiveParameter) -> Endpoint:
    async def endpoint(request: Request, admitted: Admitted) -> Response:
        reader = QueryReader(request.query_params)
        query = ListQuery(
            page=reader.integer("page", 1, 1, INT32_MAX),
            page_size=reader.integer("pageSize", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE),
            include_total=reader.boolean("includeTotal", False),
            created_from=reader.datetime_ticks("createdOnOrAfter"),
            created_before=reader.datetime_ticks("createdBefore"),
            modified_from=reader.datetime_ticks("modifiedOnOrAfter"),
            modified_before=reader.datetime_ticks("modifiedBefore"),
            active=active_parameter.read(reader),
            ids=reader.integer_list("ids"),
            sort=_read_sort(reader),
        )
        if reader.errors:
            return validation_error(reader.errors)
        page = list_page(admitted.dataset.collection(collection_name), query)
        return JSONResponse(
            {
                "page": query.page,
                "pageSize": query.page_size,
                "hasMore": page.has_more,
                "totalCount": page.total_count,
                "data": page.records,
            }
        )

    return endpoint


def _export_endpoint(collection_name: str) -> Endpoint:
    async def endpoint(request: Request, admitted: Admitted) -> Response:
        state: SandboxState = request.app.state.sandbox
        reader = QueryReader(request.query_params)
        reader.boolean("includeRecentChanges", False)  # validated; every change is "recent" here
        collection = admitted.dataset.collection(collection_name)
        tokens = admitted.dataset.export_tokens[collection_name]
        start = collection.timeline.feed_start()
        raw_from = reader.text("from")
        if raw_from:
            try:
                start = collection.timeline.feed_position_at(parse_query_datetime(raw_from))
            except ValueError:
                position = tokens.decode(raw_from.strip())
                if position is None or not collection.timeline.contains(position):
                    reader.errors.setdefault("from", []).append(
                        f"The value '{raw_from}' is not valid: expected a continueFrom token from a previous "
                        "response of this export, or a date such as 2020-01-01."
                    )
                else:
                    start = position
        if reader.errors:
            return validation_error(reader.errors)
        key = (admitted.dataset.tenant_id, collection_name, admitted.dataset.generation, start)
        body = state.page_cache.get(key)
        if body is None:
            body = export_page(collection, tokens, start, state.config.export_page_size).json()
            state.page_cache.put(key, body)
        malformed_page = admitted.tenant.faults.malformed_page
        if malformed_page is not None:
            media_type = "text/html" if malformed_page is MalformedPage.HTML else "application/json"
            return Response(malformed(body, malformed_page), media_type=media_type)
        return Response(body, media_type="application/json")

    return endpoint


ROUTES = [
    Route("/connect/token", token_endpoint, methods=["POST"]),
    Route("/crm/v2/tenant/{tenant:int}/customers", through_gateway(_list_endpoint(CUSTOMERS, CUSTOMER_ACTIVE))),
    Route("/crm/v2/tenant/{tenant:int}/export/customers", through_gateway(_export_endpoint(CUSTOMERS))),
    Route("/accounting/v2/tenant/{tenant:int}/invoices", through_gateway(_list_endpoint(INVOICES, INVOICE_ACTIVE))),
    Route("/accounting/v2/tenant/{tenant:int}/export/invoices", through_gateway(_export_endpoint(INVOICES))),
]
