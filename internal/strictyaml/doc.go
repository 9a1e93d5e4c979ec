// Package strictyaml decodes YAML into Go structs strictly: unknown keys
// and values of the wrong type are reported all at once, each with its path
// (sources[1].url) and line, instead of stopping at the first.
package strictyaml
