# Umbral, English. Every id here exists in es and pt-BR too (a test checks).

lang-name = English
skip-to-content = Skip to content
nav-sign-out = Sign out
nav-language = Language

## Sign-up
signup-title = Create your account
signup-intro = It takes a minute. You will confirm your email with a code.
field-name = Name
field-email = Email
field-phone = Phone
field-phone-country = Country code
field-phone-number = Phone number
field-password = Password
password-hint = At least 10 characters. A few unrelated words make a strong password; avoid your name or email.
terms-accept-prefix = I accept the
terms-link = General Terms of Service
signup-submit = Create account
signup-have-account = Already have an account?
signup-sign-in = Sign in

## Email confirmation
confirm-title = Confirm your email
confirm-intro = We sent a 6-digit code to your email address. Enter it below to continue.
confirm-intro-to = We sent a 6-digit code to { $email }. Type it below to continue.
confirm-wrong-address = Not your address? Sign up again with the right one
confirm-spam = Can't find it? Check your spam folder, or ask for a new code.
field-code = Code
confirm-submit = Confirm
confirm-resend = Send a new code
confirm-resent = We sent you a new code.

## Sign-in
login-title = Sign in
login-next = Next
login-submit = Sign in
login-no-account = Don't have an account?
login-create-account = Create your account
login-change-email = Use another email

## Home
home-title = Home
home-greeting = Hello, { $name }!
home-signed-in-as = You are signed in as { $email }.
home-organization = Organization: { $org } ({ $role })
home-invitations = { $count ->
    [one] An organization invited you to join it.
   *[other] { $count } organizations invited you to join them.
}
role-owner = owner
role-admin = administrator
role-member = member

## Notices shown on the sign-in page
notice-signed_in_elsewhere = Your session was closed because you signed in on another device.
notice-signed_out = You have signed out.
notice-session_expired = Your session has expired. Please sign in again.
notice-session_ended = Your session has ended. Please sign in again.

## Terms
terms-title = General Terms of Service
terms-body = These are the General Terms of Service of { $product }. The operator of this installation publishes its own terms here.

## Dev outbox
outbox-title = Dev outbox
outbox-intro = Messages that would have been sent by email or SMS. Newest first. This page exists only in development mode.
outbox-empty = No messages yet.
outbox-to = To
outbox-subject = Subject
outbox-channel = Channel
outbox-time = Time

## Error pages
error-title = Something went wrong
error-back = Go back
error-not-found-title = Page not found
error-busy-title = Busy

## Field and request errors (ids are the API error codes with dots as dashes)
email-required = Enter your email address.
email-too_long = The email address can have at most { $max } characters.
email-invalid = Enter a valid email address, like name@example.com.
email-mixed_script = Use one alphabet for the part before the @: letters that only look alike (like a Cyrillic "а") are not allowed.
name-required = Enter your name.
name-too_long = The name can have at most { $max } characters.
name-angle_brackets = A name cannot contain < or >.
name-invisible = The name contains an invisible character (such as a zero-width space or a control character): delete it and type the name again.
phone-required = Enter your phone number.
phone-invalid = This is not a valid phone number for the chosen country.
phone-country_invalid = Choose the country code.
phone-needs_country_code = Write the number in international format, starting with + and the country code.
password-required = Enter a password.
password-too_short = The password must have at least { $min } characters.
password-too_long = The password can have at most { $max } characters.
password-common = This password is too common. Choose one that others would not guess.
password-contains_personal = The password must not contain your name or email address.
password-weak = This password is too easy to guess. Add more words or characters.
terms-required = You must accept the General Terms of Service to create an account.
code-required = Enter the code.
code-format = The code has 6 digits.
code-invalid = The code is not correct. Check it and try again.
code-expired = The code has expired. Ask for a new one.
code-attempts_exhausted = Too many wrong codes. Ask for a new one.
code-resend_too_soon = Wait { $seconds } seconds before asking for a new code.
auth-invalid_credentials = The email or the password is not correct.
auth-unauthenticated = Sign in to continue.
auth-session_signed_in_elsewhere = Your session was closed because you signed in on another device.
auth-session_expired = Your session has expired. Please sign in again.
auth-session_ended = Your session has ended. Please sign in again.
auth-step_required = Finish the current step first.
auth-too_many_attempts = Too many attempts. Try again in { $seconds } seconds.
server-busy = The server is busy. Try again in a moment.
server-error = Something went wrong on our side. Your data is safe; try again.
request-invalid = The request is not valid.
request-invalid_json = The request body is not valid JSON for this call: { $detail }
request-nul_byte = The field “{ $field }” holds a character that is not allowed (NUL).
request-wrong_type = The field “{ $field }” has the wrong type for this call.
request-unknown_field = “{ $field }” is not a field of this call.
request-already_done = This step is already done.
request-not_found = Not found.
request-forbidden = You are not allowed to do this.
request-cross_origin = Requests from another site are not allowed.
request-form_expired = This form has expired. Check the fields and submit it again.

## Emails
email-signup_code-subject = Your { $product } code: { $code }
email-signup_code-body =
    Hello { $name },

    Your code to confirm your email address is:

        { $code }

    It expires in 10 minutes. If you did not create an account, ignore this email.
email-signup_email_taken-subject = Someone tried to create a { $product } account with your address
email-signup_email_taken-body =
    Hello,

    Someone just tried to create a { $product } account with this email address, but you already have one.

    If it was you, sign in instead. If you forgot your password, use "Forgot your password?" on the sign-in page.
    If it was not you, you can ignore this email: nothing was changed.

## Navigation
nav-profile = Your account
nav-preferences = Account preferences

## Two-factor authentication: set-up
twofa-title = Two-factor authentication
twofa-intro = To protect your account and prevent fraud, add a second step to your sign-in. Choose how you will receive your codes:
twofa-app = Authenticator app
twofa-app-hint = Google Authenticator or similar: an app on your phone makes the codes.
twofa-app-step-install = On your phone, install an authenticator app (Google Authenticator, Microsoft Authenticator, 1Password or similar).
twofa-app-step-scan = In the app, add an account and scan this QR code:
twofa-app-qr-alt = QR code of your authenticator key
twofa-app-manual = Can't scan it? Type this key in the app instead:
twofa-app-step-code = Enter the 6-digit code the app shows.
twofa-continue = Continue
twofa-back = Back
recovery-title = Recovery codes
recovery-intro = Keep these ten codes somewhere safe. If you lose your phone, each one lets you sign in once.
recovery-download = Download the codes
recovery-saved = I saved my codes: continue
recovery-once = You see these codes only until you say you saved them. You can make new ones in Account preferences, Security.
recovery-file-title = { $product } recovery codes. Each code works once.

## Two-factor authentication: challenge
challenge-title = Verify it's you
challenge-choose = Choose another way to verify:
challenge-intro-totp = Enter the 6-digit code from your authenticator app.
challenge-intro-sms = Enter the 6-digit code we sent you by SMS.
challenge-intro-email = Enter the 6-digit code we sent to { $email }.
challenge-intro-recovery_code = Enter one of your recovery codes. Each one works once.
challenge-email-hint = We will send a 6-digit code to { $email }.
challenge-email-sent = We sent a 6-digit code to { $email }.
challenge-remember = Remember this device for 14 days
challenge-other = Try another method
challenge-asked-revoked = This device was forgotten (from Security), so we ask for a code again.
challenge-asked-expired = The time this device was remembered for has passed, so we ask for a code again.
challenge-asked-other_network = You are signing in from another network, so we ask for a code again on this device.
challenge-asked-security_changed = Your password or your two-factor methods changed, so we ask for a code again on this device.
challenge-asked-owner_changed = Your organization has a new owner, so every remembered device asks for a code again.
field-recovery-code = Recovery code
method-totp = Authenticator app
method-totp-hint = A code from Google Authenticator or similar.
method-sms = SMS
method-sms-hint = A code by text message.
method-email = Email
method-recovery_code = Recovery code
method-recovery_code-hint = One of the codes you saved when you set up two-factor authentication.

## Account preferences
settings-title = Account preferences
security-title = Security
security-twofa-off = Two-factor authentication is off. Turn it on to ask for a code after your password.
security-twofa-on = Two-factor authentication is on: your methods are below.
security-factors = Your methods
security-added = Added { $time }
security-last-used = last used { $time }
security-remove = Remove
remove-factor-title = Remove this method?
remove-factor-intro = You will no longer be able to use it to sign in.
remove-factor-submit = Remove it
remove-factor-cancel = Keep it and go back
security-last-rule = You must keep at least one method.
security-no-factors = You have no method yet.
security-add-app = Add an authenticator app
security-codes-left = Recovery codes left: { $count }
security-new-codes = Make new recovery codes
security-sessions = Active sessions
security-since = Since { $time }
security-until = until { $time }
security-this-device = this device
security-devices = Trusted devices
security-forget = Forget
security-forget-all = Forget all devices
security-no-devices = No trusted devices. When you check "Remember this device" at sign-in, it shows here.
security-notice-factor_added = The method was added.
security-notice-factor_removed = The method was removed.
security-notice-devices_forgotten = Every trusted device was forgotten: they will be asked for a code again.
security-notice-device_forgotten = The device was forgotten: it will be asked for a code again.
security-notice-session_ended = The session was signed out.
activate-intro = Two-factor authentication asks for a code from your phone after your password, so that a stolen password is not enough to enter your account.
activate-signout = When you activate it, you are signed out; at your next sign-in you choose and set up your method.
activate-submit = Activate
notice-mfa_activated = Two-factor authentication is on. Sign in to set up your method.

## Factor errors
factor-setup_missing = The set-up expired. Start again.
factor-phone_unavailable = This number can't be used. Use another number.
factor-last_required = You can't remove your only method: two-factor authentication is required. Add another method first.
factor-method_unavailable = This method is not available for your account.
code-recovery_format = A recovery code has 10 letters and digits, like ABCDE-12345.
email-mfa_code-subject = Your { $product } sign-in code: { $code }
email-mfa_code-body =
    Hello { $name },

    Your code to sign in is:

        { $code }

    It expires in 10 minutes. If you are not signing in, change your password: someone knows it.

## Text messages
sms-sms_code = { $code } is your { $product } code. It expires in 10 minutes. Never share it.
phone-country_not_allowed = Numbers of this country cannot receive codes here. Use another number or an authenticator app.

## SMS factor
twofa-sms-hint = A 6-digit code by text message to your phone.
twofa-sms-intro = Choose your country's dial prefix and type your phone number, with its area code. We will send you a 6-digit code by SMS.
twofa-sms-exclusive = A number can secure one account only: it is not possible to centralise the authentication of several users on one number.
twofa-sms-again = Use another number or send a new code
challenge-sms-hint = We will send a 6-digit code to { $phone }.
challenge-sms-sent = We sent a 6-digit code to { $phone }.
challenge-send = Send the code
security-add-sms = Add a phone (SMS)

## Lost-factor reset
lost-link = I can't use any of my methods
lost-title = Reset your two-factor methods
lost-intro = If you lost your phone or your authenticator app and have no recovery codes left, you can ask us to remove your methods.
lost-steps = We will send a link to your registered email address. Once you open it, our team checks the request; when it is approved, your methods and sessions are removed and you set up a new method at your next sign-in.
lost-submit = Request a reset
lost-sent = We sent a link to { $email }. Open it to confirm the request.
lost-waiting = Your request was confirmed and waits for our team. We will write to you when it is decided.
reset-confirm-title = Confirm the reset request
reset-confirm-intro = Confirm that you asked to remove your two-factor methods. Our team will then check the request.
reset-confirm-submit = Confirm the request
reset-link_invalid = This link is not valid. Ask for a new one from the sign-in page.
reset-link_expired = This link has expired. Ask for a new one from the sign-in page.
reset-not_confirmed = The request was not confirmed from the registered email yet.
reset-status_invalid = The status must be unconfirmed, pending, approved or rejected.
api_key-name_invalid = Give the key a name of at most 100 characters.
email-factor_reset_confirm-subject = Confirm your { $product } two-factor reset
email-factor_reset_confirm-body =
    Hello { $name },

    Someone, hopefully you, asked to remove the two-factor methods of your { $product } account.
    To confirm the request, open this link within 24 hours:

    { $link }

    Our team checks every request before it is approved. If you did not ask for it, ignore this email and consider changing your password.
email-factor_reset_approved-subject = Your { $product } two-factor methods were reset
email-factor_reset_approved-body =
    Hello { $name },

    Your request was approved: your two-factor methods, recovery codes, sessions and trusted devices were removed.
    At your next sign-in you will set up a new method.
email-factor_reset_rejected-subject = Your { $product } two-factor reset was not approved
email-factor_reset_rejected-body =
    Hello { $name },

    Your request to remove your two-factor methods was not approved. Nothing was changed. If you still need help, contact support.

## Password change
field-current-password = Current password
field-new-password = New password
security-change-password = Change password
security-notice-password_changed = Your password was changed. Your other sessions were signed out.
password-current_wrong = The current password is not correct.
email-password_changed-subject = Your { $product } password was changed
email-password_changed-body =
    Hello { $name },

    The password of your { $product } account was just changed, and your other sessions were signed out.
    If it was not you, use "Forgot your password?" on the sign-in page at once and contact support.
policy-two_factor_invalid = The policy must be required or optional.

## Password recovery
login-forgot = Forgot your password?
recover-title = Forgot your password?
recover-intro = Enter the email address of your account. We will send you a link to choose a new password.
recover-submit = Send the link
recover-sent = If an account exists for this address, we sent a link to choose a new password. It works for one hour.
recover-tips-intro = If the email does not arrive:
recover-tip-spam = Check your spam or junk folder.
recover-tip-again = Try sending the link again (the button below).
recover-tip-support = If you still cannot reset your password, contact your account administrator or our support.
recover-resend = Send the link again
recover-new-title = Choose a new password
recover-new-submit = Save the new password
recover-again = Ask for a new link
notice-password_reset = Your password was changed. Sign in with the new one.
email-password_reset-subject = Choose a new { $product } password
email-password_reset-body =
    Hello { $name },

    To choose a new password for your { $product } account, open this link within one hour:

    { $link }

    If you did not ask for it, ignore this email: your password stays as it is.

## Invitations
invite-title = Set your password
invite-intro = Welcome, { $name }. Choose a password for your account; then you will secure it with a second factor.
invite-submit = Save and continue
user-email_taken = A user with this email already exists.
user-role_invalid = The role must be member or administrator (member or admin).
email-invitation-subject = Your { $product } account is ready
email-invitation-body =
    Hello { $name },

    An account was created for you in { $product }. To choose your password, open this link within 7 days:

    { $link }

    If the link has expired, use "Forgot your password?" on the sign-in page.

email-join_invitation-subject = { $inviter } invited you to join { $organization } in { $product }
email-join_invitation-body =
    Hello { $name },

    { $inviter } invited you to join the organization { $organization } in { $product }, with the account you already have. To answer, sign in and open this page (the invitation is valid 7 days):

    { $link }

    If you do not want to join, ignore this email or decline the invitation there.

## Audit log
audit-time_invalid = Give the time as Unix milliseconds.
audit-limit_invalid = The limit must be between 1 and 200.
audit-cursor_invalid = This cursor is not valid; use next_cursor of the previous page.

## Organization
org-owner_by_transfer = The owner's role changes only by transferring it.
org-not_owner_or_self = Not possible for the owner or for yourself.
org-title = Organization
org-role = Role
org-inactive = deactivated
org-invited = invited
org-withdraw = Withdraw the invitation
org-invitation_pending = This person has not accepted the invitation yet. To withdraw it, use "Withdraw the invitation".
org-invitation_invalid = This invitation is no longer valid: it expired, was withdrawn or was already answered.
org-join_owner_busy = You own an organization that has other members or a plan. Transfer the owner role to another member first (Settings, Organization).
join-title = Invitations
join-none = You have no invitations waiting.
join-offer = { $inviter } invited you to join { $org } as { $role }.
join-accept = Join { $org }
join-decline = Decline
join-leaves = Joining another organization takes you out of { $org }.
join-leaves-owner = You own { $org }. If nobody else is in it and it has no plan, joining another organization closes it; otherwise, transfer the owner role first.
org-save = Save
org-deactivate = Deactivate
org-reactivate = Reactivate
org-invite = Invite someone
org-invite-submit = Send the invitation
org-transfer = Transfer the owner role
org-transfer-intro = The new owner becomes the account administrator; you stay as an administrator. Confirm with a code from your authenticator app or a recovery code. Every member's remembered devices will ask for a code again.
org-new-owner = New owner
org-method = Confirm with
org-transfer-submit = Transfer
org-notice-member_invited = The invitation was sent.
org-notice-role_changed = The role was changed.
org-notice-member_deactivated = The member was deactivated and signed out.
org-notice-member_reactivated = The member was reactivated.
org-notice-member_removed = The member was removed.
org-notice-owner_transferred = The owner role was transferred.

## Staff console
staff-title = Staff console
staff-users = Users
staff-resets = Lost-factor resets
staff-search = Search users by email or name
staff-search-submit = Search
staff-no-results = No user matches.
staff-badge = staff
staff-state = State
staff-active = active
staff-pending = being set up
staff-end-sessions = End every session
staff-no-sessions = No active session.
staff-audit = Audit trail
staff-event = Event
staff-no-resets = No reset requests.
staff-requested = Asked { $time }
staff-confirmed = confirmed { $time }
staff-status-unconfirmed = not confirmed from the email yet
staff-status-pending = waiting for a decision
staff-status-approved = approved
staff-status-rejected = rejected
staff-approve = Approve
staff-reject = Reject
staff-notice-sessions_ended = Every session of the user was ended.
staff-notice-reset_approved = Approved: the user's methods, sessions and trusted devices were removed.
staff-notice-reset_rejected = Rejected: nothing was changed.
staff-orgs = Organizations
staff-search-orgs = Search organizations by name
staff-members = { $count } members
staff-policies = Policies
staff-policy-default = Platform default ({ $value })
staff-policy-required = Required
staff-policy-optional = Optional
staff-single-session = One session per user
staff-yes = Yes
staff-no = No
staff-new-user = Create an account
staff-new-user-intro = The person receives an invitation to choose a password (valid 7 days), then sets up two-factor authentication as the policy asks.
staff-org-id = Organization id
staff-org-id-hint = Leave empty to give the person an organization of their own.
staff-new-user-submit = Create and send the invitation
staff-org_not_found = There is no organization with this id.
staff-keys = API keys
staff-key-once = Copy this key now: it is not shown again.
staff-revoked = revoked
staff-revoke = Revoke
staff-new-key = New API key
staff-key-org-hint = Leave empty for a staff-wide key.
staff-new-key-submit = Create the key
staff-notice-policies_saved = The policies were saved.
staff-notice-user_created = The account was created and the invitation sent.
staff-notice-key_revoked = The key was revoked.
audit-event-hint = The start of an event name, e.g. factor. or session.
audit-user = User id
audit-from = From
audit-to = To
audit-next = Older events
audit-none = No events match.
staff-settings = Platform defaults
staff-settings-intro = What applies to every organization that sets nothing of its own. Every server picks a change up within a few seconds.
staff-config-default = As configured ({ $value })
staff-notice-settings_saved = The platform defaults were saved.

## Company data (sign-up, after two-factor set-up)
company-title = Include additional data
company-postal-dev = Development mode: addresses fill only from imported postal codes (umbral postal import --format geonames AR.txt; see the README).
company-intro = Tell us about your company. The form asks for your country's tax id; typing the postal code fills in the address.
company-submit = Add data
choose = Choose…
field-country = Country
field-tax-id = Tax id
field-legal-name = Legal name
field-employees = Number of employees
field-segment = Segment
field-postal-code = Postal code
postal-code-hint = We fill in the street, neighbourhood, city and state; you add the number and complement.
postal-code-found = Address found: check it and add the number.
field-street = Street
field-number = Number
field-complement = Complement
field-neighbourhood = Neighbourhood
field-city = City
field-state = State / province
company-required = Fill in this field.
company-too_long = Use at most { $max } characters.
company-too_short = Use at least { $min } characters.
company-characters = This field has characters that are not allowed.
company-choose = Choose one of the options.
company-country_invalid = Choose a country from the list.
tax_id-required = Enter the tax id.
tax_id-characters = Use only letters, digits and the separators . - / and space.
tax_id-length = The tax id has the wrong number of characters for this country.
tax_id-format = This is not the shape of a tax id of this country (check the type prefix and where letters and digits go).
tax_id-date = The date inside the tax id does not exist.
tax_id-homoclave = The last three characters (the homoclave) are not ones SAT issues: they never hold a 0 or an O, and the first is 1-9 or A-V.
tax_id-check_digit = The check digit does not match: check the number for a typing mistake.
postal_code-required = Enter the postal code.
postal_code-format = This is not a postal code of the chosen country.
postal_code-not_found = We don't know this postal code: please type the address.
segment-retail = Retail
segment-financial_services = Financial services
segment-health = Health
segment-education = Education
segment-technology = Technology
segment-telecommunications = Telecommunications
segment-logistics = Logistics
segment-public_sector = Public sector
segment-services = Services
segment-other = Other

## Checkout
checkout-title = Payment
checkout-summary = Purchase summary
checkout-plan = Plan
checkout-period = Billing period
checkout-price = Price
checkout-total = Total
checkout-switch-month = Pay monthly
checkout-switch-year = Pay yearly
checkout-change-plan = Choose another plan
checkout-choose-plan = Choose a plan to continue.
checkout-sandbox-hint = Test mode: no money moves. Use card 4242 4242 4242 4242 with any future date and any CVC; 4000 0000 0000 0002 is declined.
checkout-pay = Pay { $total }
period-month = Monthly
period-year = Yearly
field-card-number = Card number
field-card-expiry = Expiry date
field-card-month = Month
field-card-year = Year
field-card-mm = MM
field-card-yyyy = YYYY
field-card-cvc = Security code (CVC)
card-required = Enter the card number.
card-number_invalid = This card number is not valid: check it for a typing mistake.
card-expired = This card has expired.
card-expiry_invalid = Enter the expiry month (1-12) and year.
card-cvc_invalid = The security code has { $digits } digits.
payment-declined = Your card was declined. Try another card or contact your bank.
payment-insufficient_funds = Your card was declined for insufficient funds.
payment-expired_card = Your card was declined because it has expired.
payment-incorrect_cvc = Your card was declined: the security code is wrong.
payment-unavailable = The payment service did not answer. Nothing was charged twice: please try again in a moment.
checkout-plan_unknown = Choose one of the plans.
checkout-period_unknown = This plan has no price for that period.
checkout-key_invalid = The payment form expired. Reload the page and try again.

## Account ready and first steps
ready-title = Your account is ready!
ready-subscription = Plan { $plan }, active. Next renewal: { $renews }.
ready-continue = Go to the home page
first-steps-title = First steps
first-steps-intro = A few things to do first as your account's administrator.
first-steps-invite = Invite your team
first-steps-security = Review your security settings
first-steps-skip = Skip

## Countries

checkout-pending-title = Confirming your payment
checkout-pending-body = Stripe is telling us about your payment. This page looks again every few seconds.
checkout-pending-back = Back to the payment

field-plan = Plan
plan-choose-later = I'll choose it at the payment

staff-company = Company and subscription
staff-company-none = No company data yet.
staff-subscription = Plan { $plan } ({ $period }), { $status }; renews on { $renews }.
staff-subscription-none = No subscription yet.
staff-user-factors = Two-factor methods
subscription-status-active = active
subscription-status-pending = pending

## Dates and devices
datetime = { $month } { $day }, { $year }, { $time } { $zone }
month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December
device-browser-on-os = { $browser } on { $os }
device-unknown = Unknown browser
oidc-error-title = This application cannot sign you in
oidc-unknown_client = The application that sent you here is not registered with us, or was switched off. Go back to it and tell its owner.
oidc-redirect_uri_mismatch = The application that sent you here asked to be sent back to an address it did not register, so we did not send you there. Go back to it and tell its owner.
oidc-logout-title = Sign out
oidc-logout-intro = Do you want to sign out? You will be signed out of every application you reached with this sign-in.
oidc-logout-intro-app = { $app } asks to sign you out. You will be signed out of every application you reached with this sign-in.
oidc-logout-submit = Sign out
oidc-logout-cancel = Stay signed in
oidc-logout_invalid = The application that sent you here sent a sign-out request we cannot trust, so nothing changed. Go back to it and tell its owner.
oidc-logout_redirect_mismatch = The application that sent you here asked to be sent back to an address it did not register, so nothing changed. Go back to it and tell its owner.
staff-clients = Applications
staff-clients-intro = The applications that sign people in through Umbral. Their OpenID Connect library needs the issuer { $issuer } (discovery at /.well-known/openid-configuration), the client id and, for a confidential one, the secret.
staff-clients-none = No application yet.
staff-new-client = New application
staff-new-client-submit = Register the application
staff-client-redirect-uris = Redirect URIs
staff-client-redirect-uris-hint = One per line, compared exactly: https, or http only to this machine (http://localhost:3000/callback).
staff-client-logout-uris = Addresses after signing out (optional)
staff-client-backchannel = Back-channel logout URI (optional)
staff-client-public-label = A browser or mobile application that cannot keep a secret (public; it must use PKCE)
staff-client-third-party-label = Someone else's application (people are asked to consent)
staff-client-public = public
staff-client-confidential = confidential
staff-client-third-party = third party
staff-client-off = switched off
staff-client-rotate = New secret
staff-client-disable = Switch off
staff-client-enable = Switch on
staff-client-secret-once = Copy the secret now: it is not shown again.
staff-client-public-made = The application is registered. A public application has no secret.
staff-client-issuer = Issuer
staff-notice-client_disabled = The application was switched off: it gets no codes or tokens, and its refresh tokens stopped working.
staff-notice-client_enabled = The application was switched on again.
staff-client-id-token-alg = ID token algorithm
staff-client-auth = Authentication at the token endpoint
staff-client-save = Save changes
staff-client-keys = Keys instead of a secret (private_key_jwt, optional)
staff-client-keys-hint = For an application that signs its requests to the token endpoint with its own private key: give its public keys, either as a JWKS or as the address where it publishes them. It then gets no secret.
staff-client-jwks = Public keys (JWKS)
staff-client-jwks-uri = Address of the public keys (jwks_uri)
staff-client-keys-made = The application is registered. It proves itself with its own keys, so it has no secret.
staff-notice-client_changed = The application was changed.
client-name_invalid = The name must have 1 to 100 characters.
client-redirect_uris_count = Give 1 to 20 redirect URIs, one per line.
client-redirect_uri_invalid = Each address must be https (or http only to this machine), without a fragment: https://app.example.com/callback.
client-backchannel_uri_invalid = The back-channel logout URI must be https (or http only to this machine).
client-keys_not_public = Keys (private_key_jwt) are for an application that keeps a secret: not for a public application, nor for one registered with a secret.
client-jwks_invalid = Give the application's public keys as a JWKS (at most 10 public keys, no private ones), or an address to read them from, not both.
client-jwks_uri_invalid = The keys' address must be https (or http only to this machine).
client-keys_no_secret = This application proves itself with its own keys: it has no secret to renew.
client-alg_invalid = The ID token algorithm must be RS256, ES256 or EdDSA.
oidc-back-to-app = Back to the application…
oidc-factor-needed = The application you are signing in to asks for two-step verification. Add a method below, then continue to the application from here.
oidc-factor-ready = Two-step verification is on.
oidc-continue-to-app = Continue to the application
oidc-consent-title = Allow { $app }?
oidc-consent-intro = { $app } wants to sign you in with your account and to see:
oidc-scope-openid = Who you are (an identifier of your account)
oidc-scope-profile = Your name and language
oidc-scope-email = Your email address
oidc-scope-phone = Your phone number
oidc-scope-organization = Your organization and your role in it
oidc-scope-offline_access = Access while you are away, until you sign out
oidc-consent-allow = Allow
oidc-consent-deny = Don't allow
oidc-consent-later = You can remove its access at any time in Security, under "Connected applications".
security-apps = Connected applications
security-no-apps = No other company's application can see your account.
security-app-since = Allowed { $time }
security-app-used = last used { $time }
security-app-revoke = Remove access
security-notice-app_revoked = The application's access was removed. It will ask again next time.

# Signing in with upstream identity providers
idp-continue = Sign in with { $name }
idp-or = or
idp-going = Going to { $provider }…
idp-profile-title = Finish creating your account
idp-profile-intro = { $provider } confirmed your email, { $email }. A few more details and your account is ready.
idp-link-title = Link { $provider } to your account
idp-link-intro = From now on you can sign in to { $email } with { $provider } too. Your other sessions will be signed out.
idp-link-confirm = Link { $provider }
idp-link-cancel = Not now
notice-idp_link = An account with this email already exists. Sign in to it with its password (and second factor) to link it; nothing is linked until you confirm.
security-idps = Sign in with other accounts
security-idps-hint = Accounts of other services you can sign in with instead of your password.
security-idp-linked = Linked: { $email }
security-idp-unlink = Unlink
security-idp-link = Link { $provider }
security-notice-idp_linked = The account is linked. Your other sessions were signed out.
security-notice-idp_unlinked = The account is unlinked. Your other sessions were signed out.
upstream-unavailable = The other service could not be reached or did not answer properly. Try again in a moment, or sign in with your email.
upstream-refused = The other service's answer could not be trusted, so you were not signed in. Try again, or sign in with your email.
upstream-expired = This sign-in expired or was already used. Start again.
upstream-cancelled = The sign-in with the other service was cancelled. Nothing changed.
upstream-no_email = The other service did not share an email address, which we need to create your account.
upstream-email_unverified = The other service has not verified your email address. Verify it there, or sign up with your email here.
upstream-linked_elsewhere = That account of the other service is already linked to another account here.
upstream-linked_already = An account of that service is already linked. Unlink it first.
upstream-last_method = This is your only way to sign in. Set a password (Forgot password on the sign-in page) before unlinking it.
upstream-link_sign_in = To link it, sign in to this account with its password after choosing the other service.
staff-idps = Sign-in providers
staff-idps-intro = People may sign in and sign up with these providers instead of a password ("Sign in with ..." on the sign-in and sign-up pages). Register the redirect URI shown here at each provider.
staff-idps-none = No provider yet. Add one with the form below, or under [[identity_providers]] in the settings (docs/operations.md).
staff-idp-issuer = Issuer
staff-idp-redirect = Redirect URI to register at the provider

# Enterprise SSO
sso-title = Single sign-on
sso-intro = Your organization's own identity provider (Okta, Microsoft Entra ID, Google Workspace, or any OpenID Connect provider). Once your email domain is verified and sign-on is on, everyone with an address at that domain signs in there, with no password here.
sso-issuer = Issuer of your provider
sso-issuer-hint = Its address, as its discovery document names it (https://login.example.com).
sso-secret-kept = Leave empty to keep the one saved.
sso-domain = Email domain
sso-domain-hint = The part after @ of your people's addresses, e.g. example.com. Public mail services cannot be claimed.
sso-redirect = Register this redirect URI at your provider: { $uri }
sso-enabled = Sign-on is on: this domain's addresses sign in with the provider
sso-join = New people of this domain join the organization as members the first time they sign in (otherwise they need an invitation)
sso-trust-mfa = Accept the provider's own second factor instead of asking for one here
sso-save = Save
sso-domain-status = Domain { $domain }
sso-verified = Verified.
sso-txt-intro = Prove that the domain is yours: create this DNS record at your domain's DNS provider, wait for it to appear, then choose Verify.
sso-txt-name = Name
sso-txt-type = Type
sso-txt-value = Value
sso-verify = Verify
sso-notice-saved = Saved.
sso-notice-verified = The domain is verified. Switch sign-on on when your provider is ready.
sso-issuer_invalid = The issuer must be https (or http only to this machine).
sso-client_id_invalid = Give the client id your provider issued (at most 200 characters).
sso-client_secret_invalid = Give the client secret your provider issued.
sso-domain_invalid = Give a domain like example.com.
sso-domain_public = That is a public mail service's domain: anyone can have an address there, so it cannot be claimed.
sso-verify_first = Verify the domain before switching sign-on on.
sso-dns_failed = The DNS lookup failed or took too long. Try again in a few minutes.
sso-txt_not_found = The TXT record was not found yet. DNS changes can take a while to appear; try again later.
sso-domain_taken = Another organization verified this domain already.
sso-domain_mismatch = This provider signs in addresses of its organization's domain only.
sso-invite_only = Your organization signs new people in by invitation. Ask an administrator to invite you.
staff-idp-from-settings = from the settings file
staff-idp-remove = Remove
staff-idp-new = Add or change a provider
staff-idp-new-hint = A provider with the id of one added here replaces it. Those of the settings file are changed there.
staff-idp-id = Id
staff-idp-id-hint = In the redirect URI: lowercase letters, digits and "-" (e.g. google, okta).
staff-idp-kind = Kind
staff-idp-name = Name on the button
staff-idp-issuer-hint = Empty for Google.
staff-idp-secret-hint = Empty keeps the one saved.
staff-idp-scopes-hint = Besides openid, separated by spaces; empty: email profile.
staff-idp-save = Save the provider
staff-notice-provider_saved = The provider is saved; its button is on the sign-in and sign-up pages.
staff-notice-provider_removed = The provider is removed. People linked to it keep the link, which works again if it comes back.
provider-from_settings = This provider is set in the settings file; change it there.
provider-id_invalid = The id must be 1 to 40 lowercase letters, digits or "-", and not start with "org-".
provider-kind_invalid = The kind must be Google or OpenID Connect.
provider-field_invalid = Check this field: the issuer must be https (or http only to this machine), the name 1 to 60 characters, the client id and secret are required, and scopes are single words.

## Passkeys
method-passkey = Passkey
method-passkey-hint = Your fingerprint, face or screen lock, on this device or your phone.
twofa-passkey-hint = Sign in with your fingerprint, face or screen lock. Nothing to type, and it also signs you in without a password.
challenge-intro-passkey = Use your passkey: your browser will ask for your fingerprint, face or screen lock.
passkey-add-title = Add a passkey
passkey-add-intro = A passkey lives on this device (or in your phone or password manager) and works with your fingerprint, face or screen lock. It signs you in without a password, and it is also your second step after one.
passkey-off = Passkeys are not available on this server: its address is an IP address, and browsers accept passkeys only for a name. Choose another method.
passkey-needs-js = Passkeys need JavaScript, which is off in this browser. Turn it on, or choose another method.
passkey-unsupported = This browser cannot use passkeys. Choose another method, or use a newer browser.
passkey-cancelled = The passkey was not used: the request was cancelled or took too long. Try again, or choose another method.
passkey-failed = The passkey did not work in this browser. Try again, or choose another method.
field-passkey-name = Name of the passkey
passkey-name-hint = So that you recognise it later, e.g. "Work laptop" or "Phone".
passkey-create = Create a passkey
passkey-use = Use my passkey
passkey-sign-in = Sign in with a passkey
passkey-rename = Rename
passkey-rename-save = Save name
security-add-passkey = Add a passkey
security-notice-passkey_renamed = The passkey was renamed.
passkey-unavailable = Passkeys are not available on this server.
passkey-missing = Use the button to let your browser create or use the passkey.
passkey-malformed = Your browser's answer could not be read. Try again.
passkey-expired = This passkey request expired or was already used. Try again.
passkey-unknown = This passkey is not registered here. Use another passkey or sign in with your email.
passkey-not_verified = Your passkey must check it is you (fingerprint, face, PIN or screen lock). Try again and confirm on your device.
passkey-counter = This passkey was refused: it looks like a copy of your authenticator. Use another method, then remove it in Security.
passkey-taken = This passkey is already registered. Each passkey can be added once.
passkey-refused = The passkey could not be verified for this site. Try again, or choose another method.
passkey-name_invalid = The name cannot contain control characters.
passkey-name_too_long = The name can have at most 60 characters.
