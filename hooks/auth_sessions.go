package hooks

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/types"
)

const (
	revokedTokensCollection = "revokedTokens"

	// realtimeTokenKey marks a realtime client with the hash of the token
	// it subscribed with, so that signing that token out reaches it.
	realtimeTokenKey = "blogTokenHash"
)

// bindSessions adds what PocketBase's stateless tokens lack: signing out.
// One token (logout) is remembered as revoked until it expires and is
// refused before PocketBase reads it, everywhere: protected routes answer
// 401, public ones see a guest, authRefresh fails, and realtime connections
// subscribed with it lose their identity. All tokens of a user (logout-all)
// end by rotating the user's token key, which PocketBase checks itself.
func bindSessions(app core.App) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.Bind(&hook.Handler[*core.RequestEvent]{
			Id:       "blogRefuseRevokedTokens",
			Priority: apis.DefaultLoadAuthTokenMiddlewarePriority - 1, // before the token is read
			Func:     refuseRevokedToken,
		})
		return se.Next()
	})

	// remember which token each realtime client subscribed with
	app.OnRealtimeSubscribeRequest().BindFunc(func(e *core.RealtimeSubscribeRequestEvent) error {
		if token := requestToken(e.Request); token != "" && e.Auth != nil {
			e.Client.Set(realtimeTokenKey, tokenHash(token))
		}
		return e.Next()
	})

	// revoked tokens are kept only while they could still be used
	app.Cron().MustAdd("blogPruneRevokedTokens", "17 * * * *", func() {
		_, err := app.DB().Delete(revokedTokensCollection, dbx.NewExp("[[expires]] < {:now}",
			dbx.Params{"now": types.NowDateTime().String()})).Execute()
		if err != nil {
			app.Logger().Warn("pruning revoked tokens failed", "error", err)
		}
	})
}

// requestToken is the auth token of a request, as PocketBase reads it.
func requestToken(r *http.Request) string {
	token := r.Header.Get("Authorization")
	if len(token) > 7 && strings.EqualFold(token[:7], "Bearer ") {
		return token[7:]
	}
	return token
}

// tokenHash identifies a token by what its signature covers, header and
// claims: the base64 of the signature itself can be spelled several ways
// (unused trailing bits) that all verify, so hashing the whole text would
// let a revoked token back in under another spelling.
func tokenHash(token string) string {
	signed := token
	if i := strings.LastIndexByte(token, '.'); i > 0 {
		signed = token[:i]
	}
	sum := sha256.Sum256([]byte(signed))
	return hex.EncodeToString(sum[:])
}

// refuseRevokedToken drops a revoked token from the request before
// PocketBase loads the auth record from it, so the request is a guest's.
func refuseRevokedToken(e *core.RequestEvent) error {
	token := requestToken(e.Request)
	if token == "" {
		return e.Next()
	}
	var revoked int
	err := e.App.DB().Select("COUNT(*)").From(revokedTokensCollection).
		Where(dbx.HashExp{"hash": tokenHash(token)}).Row(&revoked)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return e.InternalServerError("", err)
	}
	if revoked > 0 {
		e.Request.Header.Del("Authorization")
	}
	return e.Next()
}

// logout is POST /api/blog/auth/logout: the token of this request stops
// authenticating anything; the user's other sessions go on.
func logout(e *core.RequestEvent) error {
	token := requestToken(e.Request)
	expires, err := tokenExpiry(token)
	if err != nil {
		return e.BadRequestError("The token has no readable expiry.", nil)
	}

	revoked, err := e.App.FindCachedCollectionByNameOrId(revokedTokensCollection)
	if err != nil {
		return e.InternalServerError("", err)
	}
	hash := tokenHash(token)
	record := core.NewRecord(revoked)
	record.Set("hash", hash)
	record.Set("expires", expires)
	if err := e.App.Save(record); err != nil {
		var existing int
		e.App.DB().Select("COUNT(*)").From(revokedTokensCollection).Where(dbx.HashExp{"hash": hash}).Row(&existing)
		if existing == 0 { // not a repeated logout
			return e.InternalServerError("Failed to sign out.", err)
		}
	}

	// realtime connections subscribed with this token lose their identity
	for _, client := range e.App.SubscriptionsBroker().Clients() {
		if h, _ := client.Get(realtimeTokenKey).(string); h == hash {
			client.Unset(apis.RealtimeClientAuthKey)
			client.Unset(realtimeTokenKey)
		}
	}
	return e.NoContent(http.StatusNoContent)
}

// logoutAll is POST /api/blog/auth/logout-all: every token of the user
// stops working. A new token key invalidates them all at once, and
// PocketBase drops the identity of the user's realtime connections on it.
func logoutAll(e *core.RequestEvent) error {
	user, err := e.App.FindRecordById(usersCollection, e.Auth.Id)
	if err != nil {
		return e.NotFoundError("", nil)
	}
	user.RefreshTokenKey()
	if err := e.App.Save(user); err != nil {
		return e.InternalServerError("Failed to sign out.", err)
	}
	return e.NoContent(http.StatusNoContent)
}

// tokenExpiry reads the exp claim of a token PocketBase has already
// verified for this request.
func tokenExpiry(token string) (types.DateTime, error) {
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(token, claims); err != nil {
		return types.DateTime{}, err
	}
	exp, err := claims.GetExpirationTime()
	if err != nil || exp == nil {
		return types.DateTime{}, errors.New("no exp claim")
	}
	return types.ParseDateTime(exp.Time.UTC().Format(time.RFC3339))
}
