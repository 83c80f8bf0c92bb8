package hooks

import (
	"github.com/golang-jwt/jwt/v5"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"
)

// tokenClaimJti is the JWT id claim that tells two sessions apart.
const tokenClaimJti = "jti"

// bindAuthTokens gives every auth response (password, OTP, OAuth2,
// authRefresh, impersonation, phone) a token of its own. PocketBase's auth
// token holds only the user and a second-resolution expiry, so two logins
// in the same second get the same token, and signing one out (which
// revokes the token) would sign out the other.
func bindAuthTokens(app core.App) {
	app.OnRecordAuthRequest().BindFunc(signAuthTokenApart)
}

// signAuthTokenApart signs the response's auth token again with a random
// jti added, with the key PocketBase signed it with and its other claims
// (expiry, refreshable) untouched. A token that has a jti already is one
// handed back as it was (authRefresh of a non-refreshable token) and stays
// the same session.
func signAuthTokenApart(e *core.RecordAuthRequestEvent) error {
	key := e.Record.TokenKey() + e.Record.Collection().AuthToken.Secret
	claims, err := security.ParseJWT(e.Token, key)
	if err != nil {
		return e.InternalServerError("Failed to create auth token.", err)
	}
	if claims[core.TokenClaimType] != core.TokenTypeAuth || claims[tokenClaimJti] != nil {
		return e.Next()
	}

	claims[tokenClaimJti] = security.RandomString(20)
	token, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(key))
	if err != nil {
		return e.InternalServerError("Failed to create auth token.", err)
	}
	e.Token = token
	return e.Next()
}
