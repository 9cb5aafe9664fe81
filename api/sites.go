package api

import (
	"context"

	"github.com/volt-ev/volt"
)

// SiteCreate is the body of POST /api/v1/sites.
type SiteCreate struct {
	OwnerID   string        `json:"ownerId" minLength:"1" doc:"The owner the site belongs to."`
	Name      string        `json:"name" minLength:"1" maxLength:"200"`
	Address   *AddressInput `json:"address,omitempty"`
	Latitude  float64       `json:"latitude,omitempty" minimum:"-90" maximum:"90"`
	Longitude float64       `json:"longitude,omitempty" minimum:"-180" maximum:"180"`
	Amenities []string      `json:"amenities,omitempty" maxItems:"100"`
	TimeZone  string        `json:"timeZone,omitempty" doc:"IANA time zone (default Europe/London)."`
	// OpeningHours are published over OCPI; none: open 24/7.
	OpeningHours []volt.OpeningPeriod `json:"openingHours,omitempty" maxItems:"50" doc:"Regular opening hours: weekday 1 (Monday) to 7, begin and end HH:MM local time. None: open 24/7."`
}

// SitePatch is the body of PATCH /api/v1/sites/{id}.
type SitePatch struct {
	Name      *string       `json:"name,omitempty" minLength:"1" maxLength:"200"`
	Address   *AddressInput `json:"address,omitempty"`
	Latitude  *float64      `json:"latitude,omitempty" minimum:"-90" maximum:"90"`
	Longitude *float64      `json:"longitude,omitempty" minimum:"-180" maximum:"180"`
	Amenities *[]string     `json:"amenities,omitempty" maxItems:"100"`
	TimeZone  *string       `json:"timeZone,omitempty"`
	// OpeningHours replaces the hours ([]: open 24/7).
	OpeningHours *[]volt.OpeningPeriod `json:"openingHours,omitempty" maxItems:"50" doc:"Replaces the regular opening hours ([]: open 24/7)."`
}

type siteListInput struct{ HierarchyListParams }

type siteCreateInput struct{ Body SiteCreate }

type sitePatchInput struct {
	IDInput
	Body SitePatch
}

func (s *server) listSites(ctx context.Context, in *siteListInput) (*ListOutput[*volt.Site], error) {
	f := in.filter()
	items, total, err := s.Hierarchy.FindSites(ctx, f)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return listOf(items, total, f.Page), nil
}

func (s *server) getSite(ctx context.Context, in *IDInput) (*Out[*volt.Site], error) {
	v, err := s.Hierarchy.FindSiteByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return out(v), nil
}

func (s *server) createSite(ctx context.Context, in *siteCreateInput) (*Out[*volt.Site], error) {
	b := in.Body
	v := &volt.Site{OwnerID: b.OwnerID, Name: b.Name, Latitude: b.Latitude, Longitude: b.Longitude,
		Amenities: b.Amenities, TimeZone: b.TimeZone, OpeningHours: b.OpeningHours}
	if a := b.Address.address(); a != nil {
		v.Address = *a
	}
	if v.Amenities == nil {
		v.Amenities = []string{}
	}
	if err := s.Hierarchy.CreateSite(ctx, v); err != nil {
		return nil, s.err(ctx, err)
	}
	return out(v), nil
}

func (s *server) patchSite(ctx context.Context, in *sitePatchInput) (*Out[*volt.Site], error) {
	v, err := s.Hierarchy.FindSiteByID(ctx, in.ID)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	b := in.Body
	set(&v.Name, b.Name)
	set(&v.Address, b.Address.address())
	set(&v.Latitude, b.Latitude)
	set(&v.Longitude, b.Longitude)
	set(&v.Amenities, b.Amenities)
	set(&v.TimeZone, b.TimeZone)
	set(&v.OpeningHours, b.OpeningHours)
	if err := s.Hierarchy.UpdateSite(ctx, v); err != nil {
		return nil, s.err(ctx, err)
	}
	return out(v), nil
}

func (s *server) deleteSite(ctx context.Context, in *IDInput) (*struct{}, error) {
	if err := s.Hierarchy.DeleteSite(ctx, in.ID); err != nil {
		return nil, s.err(ctx, err)
	}
	return nil, nil
}
