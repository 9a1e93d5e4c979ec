package main

import (
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"time"

	"github.com/syncd-dev/syncd/internal/authz"
	"github.com/syncd-dev/syncd/internal/token"
)

// SecurityConfig tunes syncd's own access control.
//
//	security:
//	  tokens:
//	    defaultExpiry: 90d   # when token create gets no --expires
//	    maxExpiry: 365d      # the longest --expires allowed
//	  # Webhook fulfillment destinations allowed, as URL prefixes matched on
//	  # scheme, host and path. Empty: no webhook destination is allowed.
//	  webhookAllowList: [https://hooks.example.com/syncd/]
//	  # Webhooks never reach loopback, link-local (cloud metadata) or other
//	  # internal-only addresses, checked on the resolved address of each
//	  # connection, unless the address lies in one of these networks.
//	  webhookAllowedNetworks: [127.0.0.1/32]
//	  # Link OIDC identities by email even when the provider does not say
//	  # email_verified: true. Off by default; config validate warns.
//	  trustUnverifiedEmail: false
//	  # Failed sign-ins and failed API authentications allowed per client
//	  # address per minute before 429.
//	  failuresPerMinute: 20
type SecurityConfig struct {
	Tokens               TokenLifetimeConfig `yaml:"tokens"`
	WebhookAllowList     []string            `yaml:"webhookAllowList"`
	WebhookNetworks      []string            `yaml:"webhookAllowedNetworks"`
	TrustUnverifiedEmail bool                `yaml:"trustUnverifiedEmail"`
	FailuresPerMinute    int                 `yaml:"failuresPerMinute"`
}

// TokenLifetimeConfig bounds API token lifetimes.
type TokenLifetimeConfig struct {
	DefaultExpiry Duration `yaml:"defaultExpiry"`
	MaxExpiry     Duration `yaml:"maxExpiry"`
}

func securityDefaults() SecurityConfig {
	return SecurityConfig{
		Tokens:            TokenLifetimeConfig{DefaultExpiry: Duration(token.DefaultLifetime.Default), MaxExpiry: Duration(token.DefaultLifetime.Max)},
		FailuresPerMinute: 20,
	}
}

// lifetime maps the tokens block onto package token's policy.
func (s SecurityConfig) lifetime() token.Lifetime {
	return token.Lifetime{Default: time.Duration(s.Tokens.DefaultExpiry), Max: time.Duration(s.Tokens.MaxExpiry)}
}

func (c *Config) validateSecurity() ConfigErrors {
	var errs ConfigErrors
	add := func(path, format string, args ...any) {
		errs = append(errs, FieldError{Path: "security." + path, Msg: fmt.Sprintf(format, args...)})
	}
	s := c.Security
	if s.Tokens.MaxExpiry <= 0 {
		add("tokens.maxExpiry", "must be positive")
	}
	if s.Tokens.DefaultExpiry <= 0 || s.Tokens.DefaultExpiry > s.Tokens.MaxExpiry {
		add("tokens.defaultExpiry", "must be positive and at most maxExpiry (%s)", time.Duration(s.Tokens.MaxExpiry))
	}
	for i, u := range s.WebhookAllowList {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" || p.User != nil || p.RawQuery != "" || p.Fragment != "" {
			add(fmt.Sprintf("webhookAllowList[%d]", i), "must be an absolute http(s) URL without credentials, query or fragment, got %q", u)
		}
	}
	for i, n := range s.WebhookNetworks {
		if _, err := netip.ParsePrefix(n); err != nil {
			add(fmt.Sprintf("webhookAllowedNetworks[%d]", i), "must be a network in CIDR notation (127.0.0.1/32, fd00::/8), got %q", n)
		}
	}
	if s.FailuresPerMinute <= 0 {
		add("failuresPerMinute", "must be positive")
	}
	return errs
}

// webhookGuard enforces the webhook rules at send time.
func (s SecurityConfig) webhookGuard() authz.WebhookGuard {
	g := authz.WebhookGuard{AllowList: slices.Clone(s.WebhookAllowList)}
	for _, n := range s.WebhookNetworks {
		if p, err := netip.ParsePrefix(n); err == nil {
			g.Networks = append(g.Networks, p.Masked())
		}
	}
	return g
}

// securityWarnings are settings config validate accepts but points out.
func (c *Config) securityWarnings() []string {
	var out []string
	if c.Security.TrustUnverifiedEmail && c.Web.Enabled() && c.Web.OIDC.LinkBy == "email" {
		out = append(out, "security.trustUnverifiedEmail: sign-ins are linked to people by email addresses the identity provider has not verified; anyone who can set such an address there can take over that person's access")
	}
	return out
}
