package web

func (a *Admin) peopleRoutes() {}
