package web

func (a *Admin) estateRoutes() {}
