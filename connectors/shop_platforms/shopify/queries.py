"""The Admin GraphQL documents the Shopify connector sends (API version 2025-01).

tests/contract/test_shopify_spec.py validates every document here against Shopify's
own introspection schema, so a field renamed by Shopify fails a test, not a sync.
"""

from __future__ import annotations

API_VERSION = "2025-01"

_MONEY = """
fragment Bag on MoneyBag {
  shopMoney { amount currencyCode }
  presentmentMoney { amount currencyCode }
}
"""

_TAX = "taxLines { title rate ratePercentage priceSet { ...Bag } }"

_LINE = f"""
fragment Line on LineItem {{
  id sku name quantity currentQuantity
  variant {{ id legacyResourceId }}
  originalUnitPriceSet {{ ...Bag }}
  discountAllocations {{
    allocatedAmountSet {{ ...Bag }}
    discountApplication {{ index targetSelection allocationMethod }}
  }}
  {_TAX}
}}
"""

_ORDER = f"""
fragment OrderFields on Order {{
  id legacyResourceId name email createdAt updatedAt cancelledAt cancelReason
  currencyCode presentmentCurrencyCode taxesIncluded
  displayFinancialStatus displayFulfillmentStatus
  customer {{ firstName lastName }}
  shippingAddress {{ name company address1 address2 city zip provinceCode countryCodeV2 phone }}
  totalPriceSet {{ ...Bag }}
  subtotalPriceSet {{ ...Bag }}
  totalDiscountsSet {{ ...Bag }}
  totalShippingPriceSet {{ ...Bag }}
  totalTaxSet {{ ...Bag }}
  currentTotalPriceSet {{ ...Bag }}
  lineItems(first: 100) {{ pageInfo {{ hasNextPage endCursor }} nodes {{ ...Line }} }}
  shippingLines(first: 10) {{
    nodes {{
      title code carrierIdentifier originalPriceSet {{ ...Bag }} {_TAX}
      discountAllocations {{
        allocatedAmountSet {{ ...Bag }}
        discountApplication {{ index }}
      }}
    }}
  }}
  {_TAX}
  discountApplications(first: 20) {{
    nodes {{
      index targetSelection allocationMethod
      ... on DiscountCodeApplication {{ code }}
      ... on ManualDiscountApplication {{ title }}
      ... on AutomaticDiscountApplication {{ title }}
      ... on ScriptDiscountApplication {{ title }}
    }}
  }}
  fulfillments(first: 20) {{
    status
    fulfillmentLineItems(first: 250) {{ nodes {{ quantity lineItem {{ id }} }} }}
  }}
  transactions(first: 10) {{
    id gateway kind status processedAt amountSet {{ ...Bag }}
  }}
  refunds(first: 20) {{
    id createdAt note totalRefundedSet {{ ...Bag }}
    refundLineItems(first: 100) {{
      nodes {{
        quantity restockType restocked lineItem {{ id sku }} location {{ id }}
        subtotalSet {{ ...Bag }} totalTaxSet {{ ...Bag }}
      }}
    }}
    refundShippingLines(first: 10) {{
      nodes {{ subtotalAmountSet {{ ...Bag }} taxAmountSet {{ ...Bag }} }}
    }}
  }}
}}
"""

ORDERS = (
    """
query Orders($first: Int!, $after: String, $query: String) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes { ...OrderFields }
  }
}
"""
    + _ORDER
    + _LINE
    + _MONEY
)

ORDER = (
    """
query Order($id: ID!) {
  order(id: $id) { ...OrderFields }
}
"""
    + _ORDER
    + _LINE
    + _MONEY
)

# The rest of a big order's lines (more than the 100 the list query asks for).
ORDER_LINES = (
    """
query OrderLines($id: ID!, $after: String) {
  order(id: $id) {
    lineItems(first: 250, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes { ...Line }
    }
  }
}
"""
    + _LINE
    + _MONEY
)

LOCATIONS = """
query Locations($after: String) {
  locations(first: 50, after: $after, includeInactive: false) {
    pageInfo { hasNextPage endCursor }
    nodes { id legacyResourceId name isActive fulfillsOnlineOrders }
  }
}
"""

SET_QUANTITIES = """
mutation SetQuantities($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) {
    inventoryAdjustmentGroup { reason changes { name delta quantityAfterChange } }
    userErrors { code field message }
  }
}
"""

FULFILLMENT_ORDERS = """
query FulfillmentOrders($id: ID!) {
  order(id: $id) {
    fulfillmentOrders(first: 20) {
      nodes {
        id status
        lineItems(first: 250) { nodes { id remainingQuantity lineItem { id } } }
      }
    }
  }
}
"""

CREATE_FULFILLMENT = """
mutation CreateFulfillment($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) {
    fulfillment { id status trackingInfo { company number url } }
    userErrors { field message }
  }
}
"""

CANCEL_ORDER = """
mutation CancelOrder($orderId: ID!, $reason: OrderCancelReason!, $notifyCustomer: Boolean,
                     $refund: Boolean!, $restock: Boolean!, $staffNote: String) {
  orderCancel(orderId: $orderId, reason: $reason, notifyCustomer: $notifyCustomer,
              refund: $refund, restock: $restock, staffNote: $staffNote) {
    job { id }
    orderCancelUserErrors { code field message }
  }
}
"""

DOCUMENTS = {
    "ORDERS": ORDERS,
    "ORDER": ORDER,
    "ORDER_LINES": ORDER_LINES,
    "LOCATIONS": LOCATIONS,
    "SET_QUANTITIES": SET_QUANTITIES,
    "FULFILLMENT_ORDERS": FULFILLMENT_ORDERS,
    "CREATE_FULFILLMENT": CREATE_FULFILLMENT,
    "CANCEL_ORDER": CANCEL_ORDER,
}

# ---- Shopify Payments payouts (scope read_shopify_payments_payouts) ------------------

_MONEY_V2 = "{ amount currencyCode }"

PAYOUTS = f"""
query Payouts($first: Int!, $after: String, $query: String) {{
  shopifyPaymentsAccount {{
    payouts(first: $first, after: $after, query: $query, sortKey: ISSUED_AT) {{
      pageInfo {{ hasNextPage endCursor }}
      nodes {{
        id legacyResourceId issuedAt status transactionType
        net {_MONEY_V2} gross {_MONEY_V2}
      }}
    }}
  }}
}}
"""

# The payout's own TRANSFER is hidden: it is the payout, not one of its lines.
PAYOUT_TRANSACTIONS = f"""
query PayoutTransactions($first: Int!, $after: String, $query: String) {{
  shopifyPaymentsAccount {{
    balanceTransactions(first: $first, after: $after, query: $query, hideTransfers: true) {{
      pageInfo {{ hasNextPage endCursor }}
      nodes {{
        id type test transactionDate adjustmentReason sourceType sourceId
        amount {_MONEY_V2} fee {_MONEY_V2} net {_MONEY_V2}
        associatedOrder {{ id name }}
        associatedPayout {{ id status }}
      }}
    }}
  }}
}}
"""
