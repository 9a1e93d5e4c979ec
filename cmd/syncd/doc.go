// Command syncd is the identity-governance daemon and its command-line
// tools. It owns the configuration file format and wires the internal
// packages together; the behaviour lives in internal/.
package main
