//! The shapes of the API's answers, as the OpenAPI document names them. The request bodies are
//! the handlers' own types; these describe what the handlers write.
#![allow(dead_code)] // read by the OpenAPI derive only

use utoipa::ToSchema;

/// Every 4xx and 5xx answer.
#[derive(ToSchema)]
pub struct Error {
    error: ErrorDetail,
    /// Every field that breaks a rule, when there are several.
    errors: Option<Vec<FieldError>>,
}

#[derive(ToSchema)]
pub struct ErrorDetail {
    /// Stable and machine-readable.
    #[schema(examples("password.too_short", "auth.invalid_credentials"))]
    code: String,
    /// In the client's language (`Accept-Language`: en, es, pt-BR).
    message: String,
    /// The field that breaks the rule.
    field: Option<String>,
    /// The step that comes first, when that is the reason.
    #[schema(required = false)]
    next: String,
}

#[derive(ToSchema)]
pub struct FieldError {
    code: String,
    field: String,
    message: String,
}

/// The step that comes next in the sign-up or sign-in.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum Step {
    ConfirmEmail,
    EnrollFactor,
    SecondFactor,
    Company,
    Checkout,
    Done,
}

#[derive(ToSchema)]
pub struct Next {
    next: Step,
    /// Only when the body asked for `"token": true`.
    #[schema(required = false)]
    session_token: String,
}

#[derive(ToSchema)]
pub struct SignedUp {
    user_id: String,
    next: Step,
    #[schema(required = false)]
    session_token: String,
}

#[derive(ToSchema)]
pub struct SignedIn {
    next: Step,
    #[schema(required = false)]
    session_token: String,
    /// The sign-in device value, for clients without cookies (with `token`).
    #[schema(required = false)]
    signin_device: String,
    /// Why a remembered device is asked for a code again: `revoked`, `expired`,
    /// `other_network`, `security_changed` or `owner_changed`.
    #[schema(required = false)]
    asked_again: String,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum FactorKind {
    Totp,
    Sms,
    /// Added and used in the browser (WebAuthn), on the pages.
    Passkey,
}

#[derive(ToSchema)]
pub struct Factor {
    id: String,
    kind: FactorKind,
    /// Partly hidden.
    phone: Option<String>,
    /// A passkey's name.
    name: Option<String>,
    created_at: i64,
    last_used_at: Option<i64>,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum Role {
    Owner,
    Admin,
    Member,
}

#[derive(ToSchema)]
pub struct Membership {
    id: String,
    name: String,
    role: Role,
}

#[derive(ToSchema)]
pub struct Me {
    id: String,
    name: String,
    email: String,
    phone: String,
    locale: String,
    organization: Option<Membership>,
    factors: Vec<Factor>,
}

#[derive(ToSchema)]
pub struct Methods {
    /// The methods this challenge accepts, the usual one first (`passkey` is answered in the
    /// browser, on `/login/second-factor`).
    methods: Vec<String>,
    /// Where an email code goes, partly hidden.
    email: Option<String>,
    /// Where an SMS code goes, partly hidden.
    phone: Option<String>,
}

#[derive(ToSchema)]
pub struct Passed {
    next: Step,
    /// The rotated session token, for bearer clients.
    #[schema(required = false)]
    session_token: String,
    /// A trusted device's token, for bearer clients that asked to be remembered.
    #[schema(required = false)]
    device_token: String,
}

#[derive(ToSchema)]
pub struct Factors {
    factors: Vec<Factor>,
    recovery_codes_left: u32,
}

#[derive(ToSchema)]
pub struct PendingTotp {
    factor_id: String,
    otpauth_uri: String,
    /// Base32.
    secret: String,
    qr_svg: String,
}

#[derive(ToSchema)]
pub struct FactorConfirmed {
    factor_id: String,
    /// Ten codes when this is the first factor, shown once.
    recovery_codes: Option<Vec<String>>,
    #[schema(required = false)]
    next: Step,
    #[schema(required = false)]
    session_token: String,
}

#[derive(ToSchema)]
pub struct RecoveryCodes {
    recovery_codes: Vec<String>,
}

#[derive(ToSchema)]
pub struct TrustedDevice {
    id: String,
    user_agent: String,
    created_at: i64,
    expires_at: i64,
}

#[derive(ToSchema)]
pub struct TrustedDevices {
    trusted_devices: Vec<TrustedDevice>,
}

#[derive(ToSchema)]
pub struct SessionItem {
    id: String,
    current: bool,
    created_at: i64,
    last_seen_at: i64,
    ip: String,
    user_agent: String,
}

#[derive(ToSchema)]
pub struct Sessions {
    sessions: Vec<SessionItem>,
}

#[derive(ToSchema)]
pub struct AuditEvent {
    id: String,
    at: i64,
    event: String,
    actor_user_id: Option<String>,
    subject_user_id: Option<String>,
    organization_id: Option<String>,
    ip: String,
    user_agent: String,
    details: String,
}

#[derive(ToSchema)]
pub struct AuditPage {
    events: Vec<AuditEvent>,
    /// Pass it as `cursor` for the next page.
    next_cursor: Option<String>,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum ResetStatus {
    Unconfirmed,
    Pending,
    Approved,
    Rejected,
}

#[derive(ToSchema)]
pub struct ResetUser {
    id: String,
    name: String,
    email: String,
    phone: String,
    created_at: i64,
    organization: Option<Membership>,
}

#[derive(ToSchema)]
pub struct FactorReset {
    id: String,
    status: ResetStatus,
    created_at: i64,
    confirmed_at: Option<i64>,
    decided_at: Option<i64>,
    decided_by: Option<String>,
    ip: String,
    user_agent: String,
    user: ResetUser,
}

#[derive(ToSchema)]
pub struct FactorResets {
    factor_resets: Vec<FactorReset>,
}

#[derive(ToSchema)]
pub struct Member {
    user_id: String,
    name: String,
    email: String,
    role: Role,
    active: bool,
    /// Invited and not yet joined.
    invited: bool,
    joined_at: i64,
}

#[derive(ToSchema)]
pub struct Members {
    members: Vec<Member>,
}

#[derive(ToSchema)]
pub struct Invited {
    /// The row's id: an invitation's id until an existing account accepts.
    user_id: String,
}

#[derive(ToSchema)]
pub struct Invitation {
    id: String,
    organization: String,
    invited_by: String,
    role: Role,
    expires_at: i64,
}

#[derive(ToSchema)]
pub struct Invitations {
    invitations: Vec<Invitation>,
}

#[derive(ToSchema)]
pub struct Reason {
    code: String,
    message: String,
}

#[derive(ToSchema)]
pub struct TaxIdAnswer {
    valid: bool,
    /// cuit, cnpj, cpf, rfc, rut, nit, ruc, nif, nie, cif, ein, other
    kind: Option<String>,
    normalized: Option<String>,
    formatted: Option<String>,
    /// Why it is not valid.
    reason: Option<Reason>,
}

#[derive(ToSchema)]
pub struct Address {
    street: Option<String>,
    neighbourhood: Option<String>,
    city: String,
    state: String,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum Period {
    Month,
    Year,
}

#[derive(ToSchema)]
pub struct Price {
    currency: String,
    /// In the currency's minor unit.
    amount: i64,
    amount_display: String,
    period: Period,
}

#[derive(ToSchema)]
pub struct Plan {
    id: String,
    name: String,
    features: Vec<String>,
    prices: Vec<Price>,
}

#[derive(ToSchema)]
pub struct Plans {
    plans: Vec<Plan>,
}

#[derive(ToSchema)]
pub struct Subscription {
    plan: String,
    period: Period,
    status: String,
    started_at: i64,
    renews_at: i64,
}

#[derive(ToSchema)]
pub struct Paid {
    /// `done` when paid here.
    #[schema(required = false)]
    next: Step,
    /// Pay on the gateway's page.
    #[schema(required = false)]
    redirect_url: String,
    #[schema(required = false)]
    subscription: Subscription,
}

/// A role that an invitation or a change can give (the owner role moves only by a transfer).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum MemberRole {
    Member,
    Admin,
}

/// How a second-factor challenge is answered.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum ChallengeMethod {
    Totp,
    Sms,
    Email,
    RecoveryCode,
}

/// Where a challenge code is sent.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum SendMethod {
    Sms,
    Email,
}

/// What proves the owner at a transfer.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum TransferMethod {
    Totp,
    RecoveryCode,
}

/// A language of the messages and emails.
#[derive(ToSchema)]
pub enum Locale {
    #[schema(rename = "en")]
    En,
    #[schema(rename = "es")]
    Es,
    #[schema(rename = "pt-BR")]
    PtBr,
}

/// A two-factor policy.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum Policy {
    Required,
    Optional,
}

#[derive(ToSchema)]
pub struct Created {
    user_id: String,
    organization_id: Option<String>,
}

#[derive(ToSchema)]
pub struct PolicySet {
    id: String,
    two_factor_policy: Option<Policy>,
}

#[derive(ToSchema, serde::Serialize)]
pub struct ClientView {
    client_id: String,
    name: String,
    public: bool,
    first_party: bool,
    active: bool,
    redirect_uris: Vec<String>,
    post_logout_redirect_uris: Vec<String>,
    backchannel_logout_uri: Option<String>,
    created_at: i64,
}

#[derive(ToSchema, serde::Serialize)]
pub struct ClientCreated {
    #[serde(flatten)]
    client: ClientView,
    /// A confidential application's secret, shown in this answer only.
    #[schema(required = false)]
    client_secret: String,
}

#[derive(ToSchema)]
pub struct Clients {
    clients: Vec<ClientView>,
}

#[derive(ToSchema)]
pub struct ClientSecret {
    client_id: String,
    client_secret: String,
}
