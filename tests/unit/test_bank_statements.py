"""Bank statements read into bank lines: ISO 20022 camt.053 (booked entries, signed by
credit/debit, any schema version) and CSV. The camt.053 sample follows the structure of
the ISO 20022 message definition BankToCustomerStatementV08 (camt.053.001.08):
https://www.iso20022.org/iso-20022-message-definitions (Cash Management, camt.053)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from hub.domain.errors import InvalidValue
from mapping.bank_statements import parse_camt053, parse_csv

CAMT = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>STMT-2026-11-10</MsgId><CreDtTm>2026-11-10T06:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>STMT-1</Id>
      <CreDtTm>2026-11-10T06:00:00</CreDtTm>
      <Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>
      <Ntry>
        <Amt Ccy="EUR">89.61</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>2026-11-09</Dt></BookgDt>
        <ValDt><Dt>2026-11-09</Dt></ValDt>
        <AcctSvcrRef>2026110900001</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls><TxDtls>
          <RmtInf><Ustrd>SHOPIFY PAYOUT 77</Ustrd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>
      <Ntry>
        <Amt Ccy="EUR">12.00</Amt>
        <CdtDbtInd>DBIT</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><DtTm>2026-11-09T10:00:00</DtTm></BookgDt>
        <AddtlNtryInf>ACCOUNT FEE</AddtlNtryInf>
      </Ntry>
      <Ntry>
        <Amt Ccy="EUR">5.00</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts><Cd>PDNG</Cd></Sts>
        <BookgDt><Dt>2026-11-10</Dt></BookgDt>
      </Ntry>
    </Stmt>
  </BkToCstmrStmt>
</Document>
"""


def test_camt053_booked_entries_are_read_signed_with_their_texts() -> None:
    lines = parse_camt053(CAMT)
    got = [(ln.account, ln.booked_on, ln.amount.amount, ln.amount.currency) for ln in lines]
    assert got == [
        ("DE89370400440532013000", date(2026, 11, 9), Decimal("89.61"), "EUR"),
        ("DE89370400440532013000", date(2026, 11, 9), Decimal("-12.00"), "EUR"),
    ]  # the pending entry is not on the account yet
    assert "SHOPIFY PAYOUT 77" in lines[0].reference and "2026110900001" in lines[0].reference
    assert lines[1].reference == "ACCOUNT FEE"
    assert parse_camt053(CAMT)[0].fingerprint == lines[0].fingerprint


def test_a_camt053_entry_without_a_credit_debit_indicator_is_named() -> None:
    broken = CAMT.replace(b"<CdtDbtInd>DBIT</CdtDbtInd>", b"")
    with pytest.raises(InvalidValue) as caught:
        parse_camt053(broken)
    assert "entry 2" in str(caught.value) and "CdtDbtInd" in str(caught.value)


def test_a_file_that_is_not_xml_is_refused_clearly() -> None:
    with pytest.raises(InvalidValue, match=r"not camt\.053 XML"):
        parse_camt053(b"date,amount\n")


def test_two_identical_csv_lines_on_one_day_are_two_lines() -> None:
    text = "date,amount,currency,reference\n2026-11-09,5.00,EUR,X\n2026-11-09,5.00,EUR,X\n"
    first, second = parse_csv(text, "acct")
    assert first.fingerprint != second.fingerprint


def test_a_csv_without_the_needed_columns_names_them() -> None:
    with pytest.raises(InvalidValue, match="missing currency, reference"):
        parse_csv("date,amount\n2026-11-09,1.00\n", "acct")
