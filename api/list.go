package api

import "github.com/volt-ev/volt"

// PageParams are the paging query parameters of every list.
type PageParams struct {
	Offset int `query:"offset" minimum:"0" doc:"Number of items to skip."`
	Limit  int `query:"limit" minimum:"0" maximum:"500" doc:"Items per page (default 50, at most 500)."`
}

func (p PageParams) page() volt.Page {
	return volt.Page{Offset: p.Offset, Limit: p.Limit}.Normalize()
}

// ListBody is one page of a list with the total before paging.
type ListBody[T any] struct {
	Items  []T `json:"items"`
	Total  int `json:"total"`
	Offset int `json:"offset"`
	Limit  int `json:"limit"`
}

// ListOutput is the answer of every list operation.
type ListOutput[T any] struct {
	Body ListBody[T]
}

func listOf[T any](items []T, total int, p volt.Page) *ListOutput[T] {
	if items == nil {
		items = []T{}
	}
	return &ListOutput[T]{Body: ListBody[T]{Items: items, Total: total, Offset: p.Offset, Limit: p.Limit}}
}

// IDInput addresses one resource by id.
type IDInput struct {
	ID string `path:"id" maxLength:"64" doc:"The resource id."`
}

// CPIDInput addresses one charger by CPID.
type CPIDInput struct {
	CPID string `path:"cpid" maxLength:"32" doc:"The charger's CPID (six digits or more, e.g. 000123)."`
}

// Out is an answer whose body is T.
type Out[T any] struct {
	Body T
}

func out[T any](v T) *Out[T] { return &Out[T]{Body: v} }

// set copies *p into *dst when p is set (PATCH semantics).
func set[T any](dst *T, p *T) {
	if p != nil {
		*dst = *p
	}
}

// AddressInput is a postal address in a request; every field is optional.
type AddressInput struct {
	Line1    string `json:"line1,omitempty" maxLength:"200"`
	Line2    string `json:"line2,omitempty" maxLength:"200"`
	City     string `json:"city,omitempty" maxLength:"100"`
	Postcode string `json:"postcode,omitempty" maxLength:"20"`
	Country  string `json:"country,omitempty" maxLength:"2" doc:"ISO 3166-1 alpha-2."`
}

func (a *AddressInput) address() *volt.Address {
	if a == nil {
		return nil
	}
	return &volt.Address{Line1: a.Line1, Line2: a.Line2, City: a.City, Postcode: a.Postcode, Country: a.Country}
}

// ThemeInput is a whitelabel's theme in a request; every field is optional.
type ThemeInput struct {
	DisplayName  string   `json:"displayName,omitempty" maxLength:"200"`
	LogoURL      string   `json:"logoUrl,omitempty" maxLength:"2000"`
	PrimaryColor string   `json:"primaryColor,omitempty" doc:"#rrggbb"`
	AccentColor  string   `json:"accentColor,omitempty" doc:"#rrggbb"`
	HostNames    []string `json:"hostNames,omitempty" maxItems:"20"`
	SupportPhone string   `json:"supportPhone,omitempty" maxLength:"40"`
	SupportEmail string   `json:"supportEmail,omitempty" maxLength:"320"`
}

func (t *ThemeInput) theme() *volt.Theme {
	if t == nil {
		return nil
	}
	hosts := t.HostNames
	if hosts == nil {
		hosts = []string{}
	}
	return &volt.Theme{DisplayName: t.DisplayName, LogoURL: t.LogoURL, PrimaryColor: t.PrimaryColor,
		AccentColor: t.AccentColor, HostNames: hosts, SupportPhone: t.SupportPhone, SupportEmail: t.SupportEmail}
}
