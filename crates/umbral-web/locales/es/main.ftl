# Umbral, español.

lang-name = Español
skip-to-content = Ir al contenido
nav-sign-out = Cerrar sesión
nav-language = Idioma

## Sign-up
signup-title = Crea tu cuenta
signup-intro = Lleva un minuto. Confirmarás tu correo electrónico con un código.
field-name = Nombre
field-email = Correo electrónico
field-phone = Teléfono
field-phone-country = Prefijo del país
field-phone-number = Número de teléfono
field-password = Contraseña
password-hint = Al menos 10 caracteres. Varias palabras sin relación forman una contraseña fuerte; evita tu nombre o tu correo.
terms-accept-prefix = Acepto los
terms-link = Términos Generales del Servicio
signup-submit = Crear cuenta
signup-have-account = ¿Ya tienes una cuenta?
signup-sign-in = Inicia sesión

## Email confirmation
confirm-title = Confirma tu correo electrónico
confirm-intro = Enviamos un código de 6 dígitos a tu correo electrónico. Escríbelo abajo para continuar.
confirm-intro-to = Enviamos un código de 6 dígitos a { $email }. Escríbelo abajo para continuar.
confirm-wrong-address = ¿No es tu dirección? Vuelve a registrarte con la correcta
confirm-spam = ¿No lo encuentras? Revisa la carpeta de spam o pide un código nuevo.
field-code = Código
confirm-submit = Confirmar
confirm-resend = Enviar un código nuevo
confirm-resent = Te enviamos un código nuevo.

## Sign-in
login-title = Iniciar sesión
login-next = Siguiente
login-submit = Iniciar sesión
login-no-account = ¿No tienes una cuenta?
login-create-account = Crea tu cuenta
login-change-email = Usar otro correo

## Home
home-title = Inicio
home-greeting = ¡Hola, { $name }!
home-signed-in-as = Iniciaste sesión como { $email }.
home-organization = Organización: { $org } ({ $role })
home-invitations = { $count ->
    [one] Una organización te invitó a unirte.
   *[other] { $count } organizaciones te invitaron a unirte.
}
role-owner = titular
role-admin = administrador
role-member = miembro

## Notices shown on the sign-in page
notice-signed_in_elsewhere = Tu sesión se cerró porque iniciaste sesión en otro dispositivo.
notice-signed_out = Cerraste la sesión.
notice-session_expired = Tu sesión expiró. Vuelve a iniciar sesión.
notice-session_ended = Tu sesión terminó. Vuelve a iniciar sesión.

## Terms
terms-title = Términos Generales del Servicio
terms-body = Estos son los Términos Generales del Servicio de { $product }. El operador de esta instalación publica aquí sus propios términos.

## Dev outbox
outbox-title = Bandeja de salida (desarrollo)
outbox-intro = Mensajes que se habrían enviado por correo o SMS, del más reciente al más antiguo. Esta página solo existe en modo de desarrollo.
outbox-empty = Todavía no hay mensajes.
outbox-to = Para
outbox-subject = Asunto
outbox-channel = Canal
outbox-time = Hora

## Error pages
error-title = Algo salió mal
error-back = Volver
error-not-found-title = Página no encontrada
error-busy-title = Ocupado

## Field and request errors
email-required = Escribe tu correo electrónico.
email-too_long = El correo electrónico puede tener como máximo { $max } caracteres.
email-invalid = Escribe un correo electrónico válido, como nombre@ejemplo.com.
email-mixed_script = Usa un solo alfabeto en la parte antes de la @: no se admiten letras que solo se parecen (como una "а" cirílica).
name-required = Escribe tu nombre.
name-too_long = El nombre puede tener como máximo { $max } caracteres.
name-angle_brackets = Un nombre no puede contener < ni >.
name-invisible = El nombre contiene un carácter invisible (como un espacio de ancho cero o un carácter de control): bórralo y vuelve a escribir el nombre.
phone-required = Escribe tu número de teléfono.
phone-invalid = No es un número de teléfono válido para el país elegido.
phone-country_invalid = Elige el prefijo del país.
phone-needs_country_code = Escribe el número en formato internacional, empezando por + y el código del país.
password-required = Escribe una contraseña.
password-too_short = La contraseña debe tener al menos { $min } caracteres.
password-too_long = La contraseña puede tener como máximo { $max } caracteres.
password-common = Esta contraseña es demasiado común. Elige una que otros no adivinen.
password-contains_personal = La contraseña no debe contener tu nombre ni tu correo electrónico.
password-weak = Esta contraseña es demasiado fácil de adivinar. Agrega más palabras o caracteres.
terms-required = Debes aceptar los Términos Generales del Servicio para crear una cuenta.
code-required = Escribe el código.
code-format = El código tiene 6 dígitos.
code-invalid = El código no es correcto. Revísalo e inténtalo de nuevo.
code-expired = El código expiró. Pide uno nuevo.
code-attempts_exhausted = Demasiados códigos incorrectos. Pide uno nuevo.
code-resend_too_soon = Espera { $seconds } segundos antes de pedir un código nuevo.
auth-invalid_credentials = El correo electrónico o la contraseña no son correctos.
auth-unauthenticated = Inicia sesión para continuar.
auth-session_signed_in_elsewhere = Tu sesión se cerró porque iniciaste sesión en otro dispositivo.
auth-session_expired = Tu sesión expiró. Vuelve a iniciar sesión.
auth-session_ended = Tu sesión terminó. Vuelve a iniciar sesión.
auth-step_required = Primero termina el paso actual.
auth-too_many_attempts = Demasiados intentos. Inténtalo de nuevo en { $seconds } segundos.
server-busy = El servidor está ocupado. Inténtalo de nuevo en un momento.
server-error = Algo salió mal de nuestro lado. Tus datos están a salvo; inténtalo de nuevo.
request-invalid = La solicitud no es válida.
request-invalid_json = El cuerpo de la solicitud no es un JSON válido para esta llamada: { $detail }
request-nul_byte = El campo «{ $field }» contiene un carácter no permitido (NUL).
request-wrong_type = El campo «{ $field }» tiene un tipo incorrecto para esta llamada.
request-unknown_field = «{ $field }» no es un campo de esta llamada.
request-already_done = Este paso ya está hecho.
request-not_found = No encontrado.
request-forbidden = No tienes permiso para hacer esto.
request-cross_origin = No se permiten solicitudes desde otro sitio.
request-form_expired = Este formulario expiró. Revisa los campos y envíalo de nuevo.

## Emails
email-signup_code-subject = Tu código de { $product }: { $code }
email-signup_code-body =
    Hola, { $name }:

    Tu código para confirmar tu correo electrónico es:

        { $code }

    Vence en 10 minutos. Si no creaste una cuenta, ignora este correo.
email-signup_email_taken-subject = Alguien intentó crear una cuenta de { $product } con tu dirección
email-signup_email_taken-body =
    Hola:

    Alguien acaba de intentar crear una cuenta de { $product } con esta dirección de correo, pero ya tienes una.

    Si fuiste tú, inicia sesión. Si olvidaste tu contraseña, usa "¿Olvidaste tu contraseña?" en la página de inicio de sesión.
    Si no fuiste tú, puedes ignorar este correo: no se cambió nada.

## Navigation
nav-profile = Tu cuenta
nav-preferences = Preferencias de la cuenta

## Two-factor authentication: set-up
twofa-title = Autenticación de dos factores
twofa-intro = Para proteger tu cuenta y evitar fraudes, agrega un paso de seguridad al inicio de sesión. Selecciona el método de autenticación:
twofa-app = Aplicación de autenticación
twofa-app-hint = Google Authenticator o similar: una aplicación en tu teléfono genera los códigos.
twofa-app-step-install = En tu teléfono, instala una aplicación de autenticación (Google Authenticator, Microsoft Authenticator, 1Password o similar).
twofa-app-step-scan = En la aplicación, agrega una cuenta y escanea este código QR:
twofa-app-qr-alt = Código QR de tu clave de autenticación
twofa-app-manual = ¿No puedes escanearlo? Escribe esta clave en la aplicación:
twofa-app-step-code = Introduce el código de 6 dígitos que muestra la aplicación.
twofa-continue = Continuar
twofa-back = Volver
recovery-title = Códigos de recuperación
recovery-intro = Guarda estos diez códigos en un lugar seguro. Si pierdes tu teléfono, cada uno te permite iniciar sesión una vez.
recovery-download = Descargar los códigos
recovery-saved = Guardé mis códigos: continuar
recovery-once = Verás estos códigos solo hasta que confirmes que los guardaste. Puedes generar otros en Preferencias de la cuenta, Seguridad.
recovery-file-title = Códigos de recuperación de { $product }. Cada código sirve una vez.

## Two-factor authentication: challenge
challenge-title = Verifica que eres tú
challenge-choose = Elige otra forma de verificar:
challenge-intro-totp = Introduce el código de 6 dígitos de tu aplicación de autenticación.
challenge-intro-sms = Introduce el código de 6 dígitos que te enviamos por SMS.
challenge-intro-email = Introduce el código de 6 dígitos que enviamos a { $email }.
challenge-intro-recovery_code = Introduce uno de tus códigos de recuperación. Cada uno sirve una vez.
challenge-email-hint = Enviaremos un código de 6 dígitos a { $email }.
challenge-email-sent = Enviamos un código de 6 dígitos a { $email }.
challenge-remember = Recordar este dispositivo durante 14 días
challenge-other = Probar otro método
challenge-asked-revoked = Este dispositivo se olvidó (desde Seguridad), por eso volvemos a pedir un código.
challenge-asked-expired = Pasó el tiempo durante el que se recordaba este dispositivo, por eso volvemos a pedir un código.
challenge-asked-other_network = Estás iniciando sesión desde otra red, por eso volvemos a pedir un código en este dispositivo.
challenge-asked-security_changed = Cambiaron tu contraseña o tus métodos de dos factores, por eso volvemos a pedir un código en este dispositivo.
challenge-asked-owner_changed = Tu organización tiene una nueva persona titular, por eso todos los dispositivos recordados vuelven a pedir un código.
field-recovery-code = Código de recuperación
method-totp = Aplicación de autenticación
method-totp-hint = Un código de Google Authenticator o similar.
method-sms = SMS
method-sms-hint = Un código por mensaje de texto.
method-email = Correo electrónico
method-recovery_code = Código de recuperación
method-recovery_code-hint = Uno de los códigos que guardaste al activar la autenticación de dos factores.

## Account preferences
settings-title = Preferencias de la cuenta
security-title = Seguridad
security-twofa-off = La autenticación de dos factores está desactivada. Actívala para que se pida un código después de la contraseña.
security-twofa-on = La autenticación de dos factores está activada: tus métodos están abajo.
security-factors = Tus métodos
security-added = Agregado el { $time }
security-last-used = último uso { $time }
security-remove = Quitar
remove-factor-title = ¿Quitar este método?
remove-factor-intro = Ya no podrás usarlo para iniciar sesión.
remove-factor-submit = Quitarlo
remove-factor-cancel = Conservarlo y volver
security-last-rule = Debes conservar al menos un método.
security-no-factors = Aún no tienes ningún método.
security-add-app = Agregar una aplicación de autenticación
security-codes-left = Códigos de recuperación restantes: { $count }
security-new-codes = Generar nuevos códigos de recuperación
security-sessions = Sesiones activas
security-since = Desde el { $time }
security-until = hasta el { $time }
security-this-device = este dispositivo
security-devices = Dispositivos de confianza
security-forget = Olvidar
security-forget-all = Olvidar todos los dispositivos
security-no-devices = No hay dispositivos de confianza. Cuando marcas "Recordar este dispositivo" al iniciar sesión, aparece aquí.
security-notice-factor_added = Se agregó el método.
security-notice-factor_removed = Se quitó el método.
security-notice-devices_forgotten = Se olvidaron todos los dispositivos de confianza: se les pedirá un código otra vez.
security-notice-device_forgotten = Se olvidó el dispositivo: se le pedirá un código otra vez.
security-notice-session_ended = Se cerró la sesión.
activate-intro = La autenticación de dos factores pide un código de tu teléfono después de la contraseña, para que una contraseña robada no baste para entrar en tu cuenta.
activate-signout = Al activarla se cerrará tu sesión; en el próximo inicio de sesión eliges y configuras tu método.
activate-submit = Activar
notice-mfa_activated = La autenticación de dos factores está activada. Inicia sesión para configurar tu método.

## Factor errors
factor-setup_missing = La configuración caducó. Empieza de nuevo.
factor-phone_unavailable = No es posible usar este número. Usa otro número.
factor-last_required = No puedes quitar tu único método: la autenticación de dos factores es obligatoria. Agrega otro método primero.
factor-method_unavailable = Este método no está disponible para tu cuenta.
code-recovery_format = Un código de recuperación tiene 10 letras y números, como ABCDE-12345.
email-mfa_code-subject = Tu código para iniciar sesión en { $product }: { $code }
email-mfa_code-body =
    Hola, { $name }:

    Tu código para iniciar sesión es:

        { $code }

    Caduca en 10 minutos. Si no estás iniciando sesión, cambia tu contraseña: alguien la conoce.

## Text messages
sms-sms_code = { $code } es tu código de { $product }. Caduca en 10 minutos. No lo compartas con nadie.
phone-country_not_allowed = Los números de este país no pueden recibir códigos aquí. Usa otro número o una aplicación de autenticación.

## SMS factor
twofa-sms-hint = Un código de 6 dígitos por mensaje de texto a tu teléfono.
twofa-sms-intro = Selecciona el prefijo de tu país y escribe tu número de teléfono, con el código de área. Te enviaremos un código de 6 dígitos por SMS.
twofa-sms-exclusive = Un número solo puede proteger una cuenta: no es posible centralizar la autenticación de varios usuarios en un único número.
twofa-sms-again = Usar otro número o enviar un nuevo código
challenge-sms-hint = Enviaremos un código de 6 dígitos al { $phone }.
challenge-sms-sent = Enviamos un código de 6 dígitos al { $phone }.
challenge-send = Enviar el código
security-add-sms = Agregar un teléfono (SMS)

## Lost-factor reset
lost-link = No puedo usar ninguno de mis métodos
lost-title = Restablecer tus métodos de dos factores
lost-intro = Si perdiste tu teléfono o tu aplicación de autenticación y no te quedan códigos de recuperación, puedes pedirnos que quitemos tus métodos.
lost-steps = Enviaremos un enlace a tu correo electrónico registrado. Cuando lo abras, nuestro equipo revisará la solicitud; si se aprueba, se quitarán tus métodos y sesiones y configurarás un nuevo método en tu próximo inicio de sesión.
lost-submit = Solicitar el restablecimiento
lost-sent = Enviamos un enlace a { $email }. Ábrelo para confirmar la solicitud.
lost-waiting = Tu solicitud está confirmada y espera a nuestro equipo. Te escribiremos cuando se resuelva.
reset-confirm-title = Confirma la solicitud de restablecimiento
reset-confirm-intro = Confirma que pediste quitar tus métodos de dos factores. Después nuestro equipo revisará la solicitud.
reset-confirm-submit = Confirmar la solicitud
reset-link_invalid = Este enlace no es válido. Pide uno nuevo desde la página de inicio de sesión.
reset-link_expired = Este enlace caducó. Pide uno nuevo desde la página de inicio de sesión.
reset-not_confirmed = La solicitud aún no se confirmó desde el correo registrado.
reset-status_invalid = El estado debe ser unconfirmed, pending, approved o rejected.
api_key-name_invalid = Dale a la clave un nombre de 100 caracteres como máximo.
email-factor_reset_confirm-subject = Confirma el restablecimiento de dos factores de { $product }
email-factor_reset_confirm-body =
    Hola, { $name }:

    Alguien, esperamos que tú, pidió quitar los métodos de dos factores de tu cuenta de { $product }.
    Para confirmar la solicitud, abre este enlace en las próximas 24 horas:

    { $link }

    Nuestro equipo revisa cada solicitud antes de aprobarla. Si no la pediste, ignora este correo y considera cambiar tu contraseña.
email-factor_reset_approved-subject = Se restablecieron tus métodos de dos factores de { $product }
email-factor_reset_approved-body =
    Hola, { $name }:

    Tu solicitud fue aprobada: se quitaron tus métodos de dos factores, códigos de recuperación, sesiones y dispositivos de confianza.
    En tu próximo inicio de sesión configurarás un nuevo método.
email-factor_reset_rejected-subject = No se aprobó el restablecimiento de dos factores de { $product }
email-factor_reset_rejected-body =
    Hola, { $name }:

    Tu solicitud para quitar tus métodos de dos factores no fue aprobada. No se cambió nada. Si aún necesitas ayuda, contacta con soporte.

## Password change
field-current-password = Contraseña actual
field-new-password = Nueva contraseña
security-change-password = Cambiar la contraseña
security-notice-password_changed = Se cambió tu contraseña. Se cerraron tus otras sesiones.
password-current_wrong = La contraseña actual no es correcta.
email-password_changed-subject = Se cambió tu contraseña de { $product }
email-password_changed-body =
    Hola, { $name }:

    Se acaba de cambiar la contraseña de tu cuenta de { $product } y se cerraron tus otras sesiones.
    Si no fuiste tú, usa "¿Olvidaste tu contraseña?" en la página de inicio de sesión cuanto antes y contacta con soporte.
policy-two_factor_invalid = La política debe ser required u optional.

## Password recovery
login-forgot = ¿Olvidaste tu contraseña?
recover-title = ¿Olvidaste tu contraseña?
recover-intro = Escribe el correo electrónico de tu cuenta. Te enviaremos un enlace para elegir una nueva contraseña.
recover-submit = Enviar el enlace
recover-sent = Si existe una cuenta con esta dirección, enviamos un enlace para elegir una nueva contraseña. Sirve durante una hora.
recover-tips-intro = Si el correo no llega:
recover-tip-spam = Revisa tu carpeta de correo no deseado.
recover-tip-again = Intenta enviar el enlace nuevamente (el botón de abajo).
recover-tip-support = Si aún no puedes restablecer tu contraseña, contacta con el administrador de tu cuenta o con nuestro soporte.
recover-resend = Enviar el enlace de nuevo
recover-new-title = Elige una nueva contraseña
recover-new-submit = Guardar la nueva contraseña
recover-again = Pedir un nuevo enlace
notice-password_reset = Se cambió tu contraseña. Inicia sesión con la nueva.
email-password_reset-subject = Elige una nueva contraseña de { $product }
email-password_reset-body =
    Hola, { $name }:

    Para elegir una nueva contraseña para tu cuenta de { $product }, abre este enlace durante la próxima hora:

    { $link }

    Si no lo pediste, ignora este correo: tu contraseña no cambia.

## Invitations
invite-title = Elige tu contraseña
invite-intro = Te damos la bienvenida, { $name }. Elige una contraseña para tu cuenta; después la protegerás con un segundo factor.
invite-submit = Guardar y continuar
user-email_taken = Ya existe un usuario con este correo electrónico.
user-role_invalid = El rol debe ser miembro o administrador (member o admin).
email-invitation-subject = Tu cuenta de { $product } está lista
email-invitation-body =
    Hola, { $name }:

    Se creó una cuenta para ti en { $product }. Para elegir tu contraseña, abre este enlace en los próximos 7 días:

    { $link }

    Si el enlace caducó, usa "¿Olvidaste tu contraseña?" en la página de inicio de sesión.

email-join_invitation-subject = { $inviter } te invitó a unirte a { $organization } en { $product }
email-join_invitation-body =
    Hola, { $name }:

    { $inviter } te invitó a unirte a la organización { $organization } en { $product }, con la cuenta que ya tienes. Para responder, inicia sesión y abre esta página (la invitación es válida 7 días):

    { $link }

    Si no quieres unirte, ignora este correo o rechaza la invitación allí.

## Audit log
audit-time_invalid = Indica el momento en milisegundos Unix.
audit-limit_invalid = El límite debe estar entre 1 y 200.
audit-cursor_invalid = Este cursor no es válido; usa next_cursor de la página anterior.

## Organization
org-owner_by_transfer = El rol de titular solo cambia mediante una transferencia.
org-not_owner_or_self = No es posible para quien es titular ni para ti.
org-title = Organización
org-role = Rol
org-inactive = desactivado
org-invited = invitación enviada
org-withdraw = Retirar la invitación
org-invitation_pending = Esta persona todavía no aceptó la invitación. Para retirarla, usa "Retirar la invitación".
org-invitation_invalid = Esta invitación ya no es válida: caducó, se retiró o ya se respondió.
org-join_owner_busy = Eres titular de una organización con otros miembros o con un plan. Primero transfiere el rol de titular a otro miembro (Configuración, Organización).
join-title = Invitaciones
join-none = No tienes invitaciones pendientes.
join-offer = { $inviter } te invitó a unirte a { $org } como { $role }.
join-accept = Unirme a { $org }
join-decline = Rechazar
join-leaves = Al unirte a otra organización, dejas { $org }.
join-leaves-owner = Eres titular de { $org }. Si nadie más forma parte de ella y no tiene un plan, al unirte a otra organización se cierra; si no, primero transfiere el rol de titular.
org-save = Guardar
org-deactivate = Desactivar
org-reactivate = Reactivar
org-invite = Invitar a alguien
org-invite-submit = Enviar la invitación
org-transfer = Transferir el rol de titular
org-transfer-intro = La nueva persona titular pasa a administrar la cuenta; tú sigues con el rol de administración. Confirma con un código de tu aplicación de autenticación o un código de recuperación. Los dispositivos recordados de todos los miembros volverán a pedir un código.
org-new-owner = Nueva persona titular
org-method = Confirmar con
org-transfer-submit = Transferir
org-notice-member_invited = Se envió la invitación.
org-notice-role_changed = Se cambió el rol.
org-notice-member_deactivated = Se desactivó al miembro y se cerró su sesión.
org-notice-member_reactivated = Se reactivó al miembro.
org-notice-member_removed = Se quitó al miembro.
org-notice-owner_transferred = Se transfirió el rol de titular.

## Staff console
staff-title = Consola del equipo
staff-users = Usuarios
staff-resets = Restablecimientos de métodos
staff-search = Buscar usuarios por correo o nombre
staff-search-submit = Buscar
staff-no-results = Ningún usuario coincide.
staff-badge = equipo
staff-state = Estado
staff-active = activo
staff-pending = en configuración
staff-end-sessions = Cerrar todas las sesiones
staff-no-sessions = Ninguna sesión activa.
staff-audit = Registro de auditoría
staff-event = Evento
staff-no-resets = No hay solicitudes de restablecimiento.
staff-requested = Pedido el { $time }
staff-confirmed = confirmado el { $time }
staff-status-unconfirmed = aún no confirmado desde el correo
staff-status-pending = esperando una decisión
staff-status-approved = aprobado
staff-status-rejected = rechazado
staff-approve = Aprobar
staff-reject = Rechazar
staff-notice-sessions_ended = Se cerraron todas las sesiones del usuario.
staff-notice-reset_approved = Aprobado: se quitaron los métodos, sesiones y dispositivos de confianza del usuario.
staff-notice-reset_rejected = Rechazado: no se cambió nada.
staff-orgs = Organizaciones
staff-search-orgs = Buscar organizaciones por nombre
staff-members = { $count } miembros
staff-policies = Políticas
staff-policy-default = Valor de la plataforma ({ $value })
staff-policy-required = Obligatoria
staff-policy-optional = Opcional
staff-single-session = Una sesión por usuario
staff-yes = Sí
staff-no = No
staff-new-user = Crear una cuenta
staff-new-user-intro = La persona recibe una invitación para elegir su contraseña (válida 7 días) y después configura la autenticación de dos factores según la política.
staff-org-id = Id de la organización
staff-org-id-hint = Déjalo vacío para darle a la persona una organización propia.
staff-new-user-submit = Crear y enviar la invitación
staff-org_not_found = No existe ninguna organización con este id.
staff-keys = Claves de API
staff-key-once = Copia esta clave ahora: no se vuelve a mostrar.
staff-revoked = revocada
staff-revoke = Revocar
staff-new-key = Nueva clave de API
staff-key-org-hint = Déjalo vacío para una clave de todo el equipo.
staff-new-key-submit = Crear la clave
staff-notice-policies_saved = Se guardaron las políticas.
staff-notice-user_created = Se creó la cuenta y se envió la invitación.
staff-notice-key_revoked = Se revocó la clave.
audit-event-hint = El comienzo del nombre de un evento, p. ej. factor. o session.
audit-user = Id del usuario
audit-from = Desde
audit-to = Hasta
audit-next = Eventos anteriores
audit-none = Ningún evento coincide.
staff-settings = Valores de la plataforma
staff-settings-intro = Lo que se aplica a toda organización que no define lo suyo. Cada servidor toma el cambio en unos segundos.
staff-config-default = Según la configuración ({ $value })
staff-notice-settings_saved = Se guardaron los valores de la plataforma.

## Company data (sign-up, after two-factor set-up)
company-title = Incluir datos adicionales
company-postal-dev = Modo de desarrollo: la dirección se completa solo con códigos postales importados (umbral postal import --format geonames AR.txt; ver el README).
company-intro = Cuéntanos sobre tu empresa. El formulario pide el identificador fiscal de tu país; al escribir el código postal se completa la dirección.
company-submit = Añadir datos
choose = Elige…
field-country = País
field-tax-id = Identificador fiscal
field-legal-name = Razón social
field-employees = Número de empleados
field-segment = Segmento
field-postal-code = Código postal
postal-code-hint = Completamos la calle, el barrio, la ciudad y la provincia; tú añades el número y el complemento.
postal-code-found = Dirección encontrada: revísala y añade el número.
field-street = Calle
field-number = Número
field-complement = Complemento
field-neighbourhood = Barrio
field-city = Ciudad
field-state = Provincia / estado
company-required = Completa este campo.
company-too_long = Usa como máximo { $max } caracteres.
company-too_short = Usa al menos { $min } caracteres.
company-characters = Este campo tiene caracteres no permitidos.
company-choose = Elige una de las opciones.
company-country_invalid = Elige un país de la lista.
tax_id-required = Introduce el identificador fiscal.
tax_id-characters = Usa solo letras, dígitos y los separadores . - / y espacio.
tax_id-length = El identificador fiscal no tiene la cantidad de caracteres de este país.
tax_id-format = No tiene la forma de un identificador fiscal de este país (revisa el prefijo de tipo y dónde van letras y dígitos).
tax_id-date = La fecha dentro del identificador fiscal no existe.
tax_id-homoclave = Los tres últimos caracteres (la homoclave) no son de los que emite el SAT: nunca llevan 0 ni O, y el primero es 1-9 o A-V.
tax_id-check_digit = El dígito verificador no coincide: revisa el número por si hay un error de tipeo.
postal_code-required = Introduce el código postal.
postal_code-format = No es un código postal del país elegido.
postal_code-not_found = No conocemos este código postal: escribe la dirección.
segment-retail = Comercio minorista
segment-financial_services = Servicios financieros
segment-health = Salud
segment-education = Educación
segment-technology = Tecnología
segment-telecommunications = Telecomunicaciones
segment-logistics = Logística
segment-public_sector = Sector público
segment-services = Servicios
segment-other = Otro

## Checkout
checkout-title = Pago
checkout-summary = Resumen de compra
checkout-plan = Plan
checkout-period = Periodo de facturación
checkout-price = Precio
checkout-total = Total
checkout-switch-month = Pagar mensualmente
checkout-switch-year = Pagar anualmente
checkout-change-plan = Elegir otro plan
checkout-choose-plan = Elige un plan para continuar.
checkout-sandbox-hint = Modo de prueba: no se mueve dinero. Usa la tarjeta 4242 4242 4242 4242 con cualquier fecha futura y cualquier CVC; la 4000 0000 0000 0002 se rechaza.
checkout-pay = Pagar { $total }
period-month = Mensual
period-year = Anual
field-card-number = Número de tarjeta
field-card-expiry = Fecha de vencimiento
field-card-month = Mes
field-card-year = Año
field-card-mm = MM
field-card-yyyy = AAAA
field-card-cvc = Código de seguridad (CVC)
card-required = Introduce el número de tarjeta.
card-number_invalid = Este número de tarjeta no es válido: revísalo por si hay un error de tipeo.
card-expired = Esta tarjeta está vencida.
card-expiry_invalid = Introduce el mes (1-12) y el año de vencimiento.
card-cvc_invalid = El código de seguridad tiene { $digits } dígitos.
payment-declined = Tu tarjeta fue rechazada. Prueba con otra tarjeta o consulta a tu banco.
payment-insufficient_funds = Tu tarjeta fue rechazada por fondos insuficientes.
payment-expired_card = Tu tarjeta fue rechazada porque está vencida.
payment-incorrect_cvc = Tu tarjeta fue rechazada: el código de seguridad es incorrecto.
payment-unavailable = El servicio de pagos no respondió. No se cobró dos veces: vuelve a intentarlo en un momento.
checkout-plan_unknown = Elige uno de los planes.
checkout-period_unknown = Este plan no tiene precio para ese periodo.
checkout-key_invalid = El formulario de pago caducó. Recarga la página y vuelve a intentarlo.

## Account ready and first steps
ready-title = ¡Listo! Tu cuenta está creada.
ready-subscription = Plan { $plan }, activo. Próxima renovación: { $renews }.
ready-continue = Ir a la página de inicio
first-steps-title = Primeros pasos
first-steps-intro = Algunas cosas para hacer primero como administrador de tu cuenta.
first-steps-invite = Invita a tu equipo
first-steps-security = Revisa tu configuración de seguridad
first-steps-skip = Saltar

## Countries

checkout-pending-title = Confirmando tu pago
checkout-pending-body = Stripe nos está avisando de tu pago. Esta página vuelve a mirar cada pocos segundos.
checkout-pending-back = Volver al pago

field-plan = Plan
plan-choose-later = Lo elijo al pagar

staff-company = Empresa y suscripción
staff-company-none = Todavía no hay datos de la empresa.
staff-subscription = Plan { $plan } ({ $period }), { $status }; se renueva el { $renews }.
staff-subscription-none = Todavía no hay suscripción.
staff-user-factors = Métodos de dos factores
subscription-status-active = activa
subscription-status-pending = pendiente

## Dates and devices
datetime = { $day } de { $month } de { $year }, { $time } { $zone }
month-1 = enero
month-2 = febrero
month-3 = marzo
month-4 = abril
month-5 = mayo
month-6 = junio
month-7 = julio
month-8 = agosto
month-9 = septiembre
month-10 = octubre
month-11 = noviembre
month-12 = diciembre
device-browser-on-os = { $browser } en { $os }
device-unknown = Navegador desconocido
oidc-error-title = Esta aplicación no puede iniciar tu sesión
oidc-unknown_client = La aplicación que te trajo aquí no está registrada con nosotros o fue desactivada. Vuelve a ella y avisa a quien la administra.
oidc-redirect_uri_mismatch = La aplicación que te trajo aquí pidió volver a una dirección que no registró, así que no te enviamos allí. Vuelve a ella y avisa a quien la administra.
oidc-logout-title = Cerrar sesión
oidc-logout-intro = ¿Quieres cerrar la sesión? Se cerrará en todas las aplicaciones a las que entraste con este inicio de sesión.
oidc-logout-intro-app = { $app } pide cerrar tu sesión. Se cerrará en todas las aplicaciones a las que entraste con este inicio de sesión.
oidc-logout-submit = Cerrar sesión
oidc-logout-cancel = Seguir con la sesión iniciada
oidc-logout_invalid = La aplicación que te trajo aquí envió un pedido de cierre de sesión en el que no podemos confiar, así que no cambió nada. Vuelve a ella y avisa a quien la administra.
oidc-logout_redirect_mismatch = La aplicación que te trajo aquí pidió volver a una dirección que no registró, así que no cambió nada. Vuelve a ella y avisa a quien la administra.
staff-clients = Aplicaciones
staff-clients-intro = Las aplicaciones que inician la sesión de las personas a través de Umbral. Su biblioteca de OpenID Connect necesita el emisor { $issuer } (descubrimiento en /.well-known/openid-configuration), el id de cliente y, si es confidencial, el secreto.
staff-clients-none = Todavía no hay aplicaciones.
staff-new-client = Nueva aplicación
staff-new-client-submit = Registrar la aplicación
staff-client-redirect-uris = URI de redirección
staff-client-redirect-uris-hint = Una por línea, comparadas exactamente: https, o http solo hacia esta máquina (http://localhost:3000/callback).
staff-client-logout-uris = Direcciones después de cerrar sesión (opcional)
staff-client-backchannel = URI de cierre de sesión por canal trasero (opcional)
staff-client-public-label = Una aplicación de navegador o móvil que no puede guardar un secreto (pública; debe usar PKCE)
staff-client-third-party-label = La aplicación de otra empresa (se pide consentimiento a las personas)
staff-client-public = pública
staff-client-confidential = confidencial
staff-client-third-party = de terceros
staff-client-off = desactivada
staff-client-rotate = Nuevo secreto
staff-client-disable = Desactivar
staff-client-enable = Activar
staff-client-secret-once = Copia el secreto ahora: no se vuelve a mostrar.
staff-client-public-made = La aplicación quedó registrada. Una aplicación pública no tiene secreto.
staff-client-issuer = Emisor
staff-notice-client_disabled = La aplicación quedó desactivada: no recibe códigos ni tokens, y sus tokens de actualización dejaron de funcionar.
staff-notice-client_enabled = La aplicación volvió a estar activa.
staff-client-id-token-alg = Algoritmo del token de ID
staff-client-auth = Autenticación en el endpoint de tokens
staff-client-save = Guardar cambios
staff-client-keys = Claves en lugar de un secreto (private_key_jwt, opcional)
staff-client-keys-hint = Para una aplicación que firma sus pedidos al endpoint de tokens con su propia clave privada: indica sus claves públicas, como JWKS o como la dirección donde las publica. Así no recibe secreto.
staff-client-jwks = Claves públicas (JWKS)
staff-client-jwks-uri = Dirección de las claves públicas (jwks_uri)
staff-client-keys-made = La aplicación quedó registrada. Se identifica con sus propias claves, así que no tiene secreto.
staff-notice-client_changed = La aplicación se modificó.
client-name_invalid = El nombre debe tener de 1 a 100 caracteres.
client-redirect_uris_count = Indica de 1 a 20 URI de redirección, una por línea.
client-redirect_uri_invalid = Cada dirección debe ser https (o http solo hacia esta máquina), sin fragmento: https://app.example.com/callback.
client-backchannel_uri_invalid = La URI de cierre de sesión por canal trasero debe ser https (o http solo hacia esta máquina).
client-keys_not_public = Las claves (private_key_jwt) son para una aplicación que guarda un secreto: no para una aplicación pública ni para una registrada con secreto.
client-jwks_invalid = Indica las claves públicas de la aplicación como JWKS (hasta 10 claves públicas, ninguna privada) o una dirección donde leerlas, no ambas.
client-jwks_uri_invalid = La dirección de las claves debe ser https (o http solo hacia esta máquina).
client-keys_no_secret = Esta aplicación se identifica con sus propias claves: no tiene un secreto que renovar.
client-alg_invalid = El algoritmo del token de ID debe ser RS256, ES256 o EdDSA.
oidc-back-to-app = Volviendo a la aplicación…
oidc-factor-needed = La aplicación en la que inicias sesión pide la verificación en dos pasos. Agrega un método aquí abajo y luego continúa a la aplicación desde aquí.
oidc-factor-ready = La verificación en dos pasos está activada.
oidc-continue-to-app = Continuar a la aplicación
oidc-consent-title = ¿Permitir a { $app }?
oidc-consent-intro = { $app } quiere iniciar tu sesión con tu cuenta y ver:
oidc-scope-openid = Quién eres (un identificador de tu cuenta)
oidc-scope-profile = Tu nombre e idioma
oidc-scope-email = Tu correo electrónico
oidc-scope-phone = Tu número de teléfono
oidc-scope-organization = Tu organización y tu rol en ella
oidc-scope-offline_access = Acceso mientras no estás, hasta que cierres la sesión
oidc-consent-allow = Permitir
oidc-consent-deny = No permitir
oidc-consent-later = Puedes quitarle el acceso cuando quieras en Seguridad, en «Aplicaciones conectadas».
security-apps = Aplicaciones conectadas
security-no-apps = Ninguna aplicación de otra empresa puede ver tu cuenta.
security-app-since = Permitida el { $time }
security-app-used = último uso el { $time }
security-app-revoke = Quitar el acceso
security-notice-app_revoked = Se quitó el acceso de la aplicación. Volverá a pedirlo la próxima vez.

# Signing in with upstream identity providers
idp-continue = Acceder con { $name }
idp-or = o
idp-going = Yendo a { $provider }…
idp-profile-title = Termina de crear tu cuenta
idp-profile-intro = { $provider } confirmó tu correo, { $email }. Faltan unos pocos datos y tu cuenta queda lista.
idp-link-title = Vincular { $provider } a tu cuenta
idp-link-intro = Desde ahora también podrás acceder a { $email } con { $provider }. Se cerrarán tus otras sesiones.
idp-link-confirm = Vincular { $provider }
idp-link-cancel = Ahora no
notice-idp_link = Ya existe una cuenta con este correo. Inicia sesión en ella con su contraseña (y su segundo factor) para vincularla; nada se vincula hasta que lo confirmes.
security-idps = Acceder con otras cuentas
security-idps-hint = Cuentas de otros servicios con las que puedes acceder en lugar de tu contraseña.
security-idp-linked = Vinculada: { $email }
security-idp-unlink = Desvincular
security-idp-link = Vincular { $provider }
security-notice-idp_linked = La cuenta quedó vinculada. Se cerraron tus otras sesiones.
security-notice-idp_unlinked = La cuenta quedó desvinculada. Se cerraron tus otras sesiones.
upstream-unavailable = No pudimos comunicarnos con el otro servicio o no respondió como debía. Vuelve a intentarlo en un momento o accede con tu correo.
upstream-refused = No pudimos confiar en la respuesta del otro servicio, así que no iniciaste sesión. Vuelve a intentarlo o accede con tu correo.
upstream-expired = Este inicio de sesión venció o ya se usó. Empieza de nuevo.
upstream-cancelled = Se canceló el acceso con el otro servicio. No cambió nada.
upstream-no_email = El otro servicio no compartió una dirección de correo, que necesitamos para crear tu cuenta.
upstream-email_unverified = El otro servicio no verificó tu correo. Verifícalo allí o regístrate aquí con tu correo.
upstream-linked_elsewhere = Esa cuenta del otro servicio ya está vinculada a otra cuenta de aquí.
upstream-linked_already = Ya hay una cuenta de ese servicio vinculada. Desvincúlala primero.
upstream-last_method = Es tu única forma de acceder. Crea una contraseña (¿Olvidaste tu contraseña? en la página de acceso) antes de desvincularla.
upstream-link_sign_in = Para vincularla, inicia sesión en esta cuenta con su contraseña después de elegir el otro servicio.
staff-idps = Proveedores de acceso
staff-idps-intro = Las personas pueden acceder y registrarse con estos proveedores en lugar de una contraseña ("Acceder con ..." en las páginas de acceso y de registro). Registra en cada proveedor la URI de redirección que se muestra aquí.
staff-idps-none = Todavía no hay proveedores. Agrega uno con el formulario de abajo o en [[identity_providers]] de la configuración (docs/operations.md).
staff-idp-issuer = Emisor
staff-idp-redirect = URI de redirección para registrar en el proveedor

# Enterprise SSO
sso-title = Inicio de sesión único
sso-intro = El proveedor de identidad propio de tu organización (Okta, Microsoft Entra ID, Google Workspace o cualquier proveedor OpenID Connect). Cuando tu dominio de correo esté verificado y el inicio de sesión único esté activado, todas las personas con una dirección de ese dominio accederán allí, sin contraseña aquí.
sso-issuer = Emisor de tu proveedor
sso-issuer-hint = Su dirección, como la nombra su documento de descubrimiento (https://login.example.com).
sso-secret-kept = Déjalo vacío para conservar el guardado.
sso-domain = Dominio de correo
sso-domain-hint = Lo que va después de @ en las direcciones de tu gente, por ejemplo example.com. No se pueden reclamar dominios de correo públicos.
sso-redirect = Registra esta URI de redirección en tu proveedor: { $uri }
sso-enabled = Inicio de sesión único activado: las direcciones de este dominio acceden con el proveedor
sso-join = Las personas nuevas de este dominio se suman a la organización como miembros la primera vez que acceden (si no, necesitan una invitación)
sso-trust-mfa = Aceptar el segundo factor del propio proveedor en lugar de pedir uno aquí
sso-save = Guardar
sso-domain-status = Dominio { $domain }
sso-verified = Verificado.
sso-txt-intro = Demuestra que el dominio es tuyo: crea este registro DNS en el proveedor de DNS de tu dominio, espera a que aparezca y elige Verificar.
sso-txt-name = Nombre
sso-txt-type = Tipo
sso-txt-value = Valor
sso-verify = Verificar
sso-notice-saved = Se guardó.
sso-notice-verified = El dominio quedó verificado. Activa el inicio de sesión único cuando tu proveedor esté listo.
sso-issuer_invalid = El emisor debe ser https (o http solo hacia esta máquina).
sso-client_id_invalid = Indica el id de cliente que te dio tu proveedor (hasta 200 caracteres).
sso-client_secret_invalid = Indica el secreto de cliente que te dio tu proveedor.
sso-domain_invalid = Indica un dominio como example.com.
sso-domain_public = Es el dominio de un servicio de correo público: cualquiera puede tener una dirección allí, así que no se puede reclamar.
sso-verify_first = Verifica el dominio antes de activar el inicio de sesión único.
sso-dns_failed = La consulta DNS falló o tardó demasiado. Vuelve a intentarlo en unos minutos.
sso-txt_not_found = Todavía no encontramos el registro TXT. Los cambios de DNS pueden tardar en aparecer; vuelve a intentarlo más tarde.
sso-domain_taken = Otra organización ya verificó este dominio.
sso-domain_mismatch = Este proveedor solo da acceso a direcciones del dominio de su organización.
sso-invite_only = Tu organización suma personas nuevas por invitación. Pide a un administrador que te invite.
staff-idp-from-settings = del archivo de configuración
staff-idp-remove = Quitar
staff-idp-new = Agregar o cambiar un proveedor
staff-idp-new-hint = Un proveedor con el id de uno agregado aquí lo reemplaza. Los del archivo de configuración se cambian allí.
staff-idp-id = Id
staff-idp-id-hint = En la URI de redirección: minúsculas, dígitos y "-" (por ejemplo google, okta).
staff-idp-kind = Tipo
staff-idp-name = Nombre en el botón
staff-idp-issuer-hint = Vacío para Google.
staff-idp-secret-hint = Vacío conserva el guardado.
staff-idp-scopes-hint = Además de openid, separados por espacios; vacío: email profile.
staff-idp-save = Guardar el proveedor
staff-notice-provider_saved = El proveedor quedó guardado; su botón está en las páginas de acceso y de registro.
staff-notice-provider_removed = El proveedor se quitó. Las personas vinculadas conservan el vínculo, que vuelve a funcionar si el proveedor vuelve.
provider-from_settings = Este proveedor está en el archivo de configuración; cámbialo allí.
provider-id_invalid = El id debe tener de 1 a 40 minúsculas, dígitos o "-", y no empezar con "org-".
provider-kind_invalid = El tipo debe ser Google u OpenID Connect.
provider-field_invalid = Revisa este campo: el emisor debe ser https (o http solo hacia esta máquina), el nombre de 1 a 60 caracteres, el id y el secreto de cliente son obligatorios y los scopes son palabras sueltas.

## Llaves de acceso
method-passkey = Llave de acceso
method-passkey-hint = Tu huella, tu cara o el bloqueo de pantalla, en este dispositivo o en tu teléfono.
twofa-passkey-hint = Inicia sesión con tu huella, tu cara o el bloqueo de pantalla. No hay nada que escribir, y también te permite entrar sin contraseña.
challenge-intro-passkey = Usa tu llave de acceso: el navegador te pedirá tu huella, tu cara o el bloqueo de pantalla.
passkey-add-title = Agregar una llave de acceso
passkey-add-intro = Una llave de acceso vive en este dispositivo (o en tu teléfono o gestor de contraseñas) y funciona con tu huella, tu cara o el bloqueo de pantalla. Te permite entrar sin contraseña y también es tu segundo paso después de ella.
passkey-off = Las llaves de acceso no están disponibles en este servidor: su dirección es una dirección IP y los navegadores solo aceptan llaves de acceso para un nombre. Elige otro método.
passkey-needs-js = Las llaves de acceso necesitan JavaScript, que está desactivado en este navegador. Actívalo o elige otro método.
passkey-unsupported = Este navegador no puede usar llaves de acceso. Elige otro método o usa un navegador más reciente.
passkey-cancelled = No se usó la llave de acceso: la solicitud se canceló o tardó demasiado. Inténtalo de nuevo o elige otro método.
passkey-failed = La llave de acceso no funcionó en este navegador. Inténtalo de nuevo o elige otro método.
field-passkey-name = Nombre de la llave de acceso
passkey-name-hint = Para reconocerla después, por ejemplo «Portátil del trabajo» o «Teléfono».
passkey-create = Crear una llave de acceso
passkey-use = Usar mi llave de acceso
passkey-sign-in = Iniciar sesión con una llave de acceso
passkey-rename = Cambiar nombre
passkey-rename-save = Guardar nombre
security-add-passkey = Agregar una llave de acceso
security-notice-passkey_renamed = Se cambió el nombre de la llave de acceso.
passkey-unavailable = Las llaves de acceso no están disponibles en este servidor.
passkey-missing = Usa el botón para que tu navegador cree o use la llave de acceso.
passkey-malformed = No se pudo leer la respuesta de tu navegador. Inténtalo de nuevo.
passkey-expired = Esta solicitud de llave de acceso venció o ya se usó. Inténtalo de nuevo.
passkey-unknown = Esta llave de acceso no está registrada aquí. Usa otra llave o inicia sesión con tu correo.
passkey-not_verified = Tu llave de acceso debe comprobar que eres tú (huella, cara, PIN o bloqueo de pantalla). Inténtalo de nuevo y confirma en tu dispositivo.
passkey-counter = Se rechazó esta llave de acceso: parece una copia de tu autenticador. Usa otro método y luego elimínala en Seguridad.
passkey-taken = Esta llave de acceso ya está registrada. Cada llave se puede agregar una sola vez.
passkey-refused = No se pudo verificar la llave de acceso para este sitio. Inténtalo de nuevo o elige otro método.
passkey-name_invalid = El nombre no puede contener caracteres de control.
passkey-name_too_long = El nombre puede tener como máximo 60 caracteres.
