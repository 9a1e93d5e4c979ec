// Package evidence writes the evidence workbooks auditors download (.xlsx,
// streamed with excelize, the only importer of that library) and verifies
// them offline: each sheet's canonical content is hashed, the hashes and the
// audit chain head are listed on a Manifest sheet, and the manifest is signed
// with Ed25519. It also owns the rule that neutralises spreadsheet formulas
// in text exported by syncd (workbooks and CSV alike).
package evidence
