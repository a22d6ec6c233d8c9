// Package money is exact money for buybutton: an [Amount] always carries its
// ISO 4217 [Currency], arithmetic is exact (shopspring/decimal), and mixing
// currencies is an error, never a conversion.
//
// # Rounding
//
// Arithmetic never rounds. Rounding to a currency's minor unit (0 digits for
// JPY, 2 for USD, 3 for KWD) happens only when a caller asks, with an
// explicit [RoundingMode], and [Amount.Minor] refuses an amount that is not
// rounded instead of rounding it silently. So a charge can never differ from
// a displayed total by a hidden rounding step.
//
// # Wire format
//
// In JSON an amount is {"amount":"12.50","currency":"USD"}: the amount is a
// string because JavaScript numbers lose precision.
//
// This package changes none of decimal's package-level settings and has no
// global state. Amounts are immutable values, safe for concurrent use.
package money
