# Umbral, português do Brasil.

lang-name = Português (Brasil)
skip-to-content = Pular para o conteúdo
nav-sign-out = Sair
nav-language = Idioma

## Sign-up
signup-title = Crie sua conta
signup-intro = Leva um minuto. Você vai confirmar seu e-mail com um código.
field-name = Nome
field-email = E-mail
field-phone = Telefone
field-phone-country = Código do país
field-phone-number = Número de telefone
field-password = Senha
password-hint = Pelo menos 10 caracteres. Algumas palavras sem relação formam uma senha forte; evite seu nome ou e-mail.
terms-accept-prefix = Aceito os
terms-link = Termos Gerais de Serviço
signup-submit = Criar conta
signup-have-account = Já tem uma conta?
signup-sign-in = Entrar

## Email confirmation
confirm-title = Confirme seu e-mail
confirm-intro = Enviamos um código de 6 dígitos para o seu e-mail. Digite-o abaixo para continuar.
confirm-intro-to = Enviamos um código de 6 dígitos para { $email }. Digite-o abaixo para continuar.
confirm-wrong-address = Não é o seu endereço? Cadastre-se de novo com o correto
confirm-spam = Não encontrou? Verifique a pasta de spam ou peça um novo código.
field-code = Código
confirm-submit = Confirmar
confirm-resend = Enviar um novo código
confirm-resent = Enviamos um novo código.

## Sign-in
login-title = Entrar
login-next = Próximo
login-submit = Entrar
login-no-account = Não tem uma conta?
login-create-account = Crie sua conta
login-change-email = Usar outro e-mail

## Home
home-title = Início
home-greeting = Olá, { $name }!
home-signed-in-as = Você entrou como { $email }.
home-organization = Organização: { $org } ({ $role })
home-invitations = { $count ->
    [one] Uma organização convidou você para participar.
   *[other] { $count } organizações convidaram você para participar.
}
role-owner = titular
role-admin = administrador
role-member = membro

## Notices shown on the sign-in page
notice-signed_in_elsewhere = Sua sessão foi encerrada porque você entrou em outro dispositivo.
notice-signed_out = Você saiu da sua conta.
notice-session_expired = Sua sessão expirou. Entre novamente.
notice-session_ended = Sua sessão foi encerrada. Entre novamente.

## Terms
terms-title = Termos Gerais de Serviço
terms-body = Estes são os Termos Gerais de Serviço de { $product }. O operador desta instalação publica aqui os seus próprios termos.

## Dev outbox
outbox-title = Caixa de saída (desenvolvimento)
outbox-intro = Mensagens que teriam sido enviadas por e-mail ou SMS, da mais recente para a mais antiga. Esta página só existe no modo de desenvolvimento.
outbox-empty = Ainda não há mensagens.
outbox-to = Para
outbox-subject = Assunto
outbox-channel = Canal
outbox-time = Hora

## Error pages
error-title = Algo deu errado
error-back = Voltar
error-not-found-title = Página não encontrada
error-busy-title = Ocupado

## Field and request errors
email-required = Digite seu e-mail.
email-too_long = O e-mail pode ter no máximo { $max } caracteres.
email-invalid = Digite um e-mail válido, como nome@exemplo.com.
email-mixed_script = Use um só alfabeto na parte antes do @: letras que só se parecem (como um "а" cirílico) não são aceitas.
name-required = Digite seu nome.
name-too_long = O nome pode ter no máximo { $max } caracteres.
name-angle_brackets = Um nome não pode conter < nem >.
name-invisible = O nome contém um caractere invisível (como um espaço de largura zero ou um caractere de controle): apague-o e digite o nome de novo.
phone-required = Digite seu número de telefone.
phone-invalid = Este não é um número de telefone válido para o país escolhido.
phone-country_invalid = Escolha o código do país.
phone-needs_country_code = Escreva o número no formato internacional, começando com + e o código do país.
password-required = Digite uma senha.
password-too_short = A senha deve ter pelo menos { $min } caracteres.
password-too_long = A senha pode ter no máximo { $max } caracteres.
password-common = Esta senha é muito comum. Escolha uma que outras pessoas não adivinhem.
password-contains_personal = A senha não deve conter seu nome nem seu e-mail.
password-weak = Esta senha é muito fácil de adivinhar. Adicione mais palavras ou caracteres.
terms-required = Você precisa aceitar os Termos Gerais de Serviço para criar uma conta.
code-required = Digite o código.
code-format = O código tem 6 dígitos.
code-invalid = O código não está correto. Confira e tente novamente.
code-expired = O código expirou. Peça um novo.
code-attempts_exhausted = Muitos códigos errados. Peça um novo.
code-resend_too_soon = Aguarde { $seconds } segundos antes de pedir um novo código.
auth-invalid_credentials = O e-mail ou a senha não estão corretos.
auth-unauthenticated = Entre para continuar.
auth-session_signed_in_elsewhere = Sua sessão foi encerrada porque você entrou em outro dispositivo.
auth-session_expired = Sua sessão expirou. Entre novamente.
auth-session_ended = Sua sessão foi encerrada. Entre novamente.
auth-step_required = Termine primeiro a etapa atual.
auth-too_many_attempts = Muitas tentativas. Tente novamente em { $seconds } segundos.
server-busy = O servidor está ocupado. Tente novamente em instantes.
server-error = Algo deu errado do nosso lado. Seus dados estão seguros; tente novamente.
request-invalid = A solicitação não é válida.
request-invalid_json = O corpo da solicitação não é um JSON válido para esta chamada: { $detail }
request-nul_byte = O campo “{ $field }” contém um caractere não permitido (NUL).
request-wrong_type = O campo “{ $field }” tem um tipo incorreto para esta chamada.
request-unknown_field = “{ $field }” não é um campo desta chamada.
request-already_done = Esta etapa já foi concluída.
request-not_found = Não encontrado.
request-forbidden = Você não tem permissão para fazer isso.
request-cross_origin = Solicitações de outro site não são permitidas.
request-form_expired = Este formulário expirou. Confira os campos e envie novamente.

## Emails
email-signup_code-subject = Seu código do { $product }: { $code }
email-signup_code-body =
    Olá, { $name }!

    Seu código para confirmar o seu e-mail é:

        { $code }

    Ele expira em 10 minutos. Se você não criou uma conta, ignore este e-mail.
email-signup_email_taken-subject = Alguém tentou criar uma conta do { $product } com o seu endereço
email-signup_email_taken-body =
    Olá!

    Alguém acabou de tentar criar uma conta do { $product } com este endereço de e-mail, mas você já tem uma.

    Se foi você, entre na sua conta. Se esqueceu a senha, use "Esqueceu sua senha?" na página de entrada.
    Se não foi você, pode ignorar este e-mail: nada foi alterado.

## Navigation
nav-profile = Sua conta
nav-preferences = Preferências da conta

## Two-factor authentication: set-up
twofa-title = Autenticação de dois fatores
twofa-intro = Para proteger sua conta e evitar fraudes, adicione uma etapa de segurança ao login. Selecione o método de autenticação:
twofa-app = Aplicativo autenticador
twofa-app-hint = Google Authenticator ou similar: um aplicativo no seu celular gera os códigos.
twofa-app-step-install = No seu celular, instale um aplicativo autenticador (Google Authenticator, Microsoft Authenticator, 1Password ou similar).
twofa-app-step-scan = No aplicativo, adicione uma conta e escaneie este código QR:
twofa-app-qr-alt = Código QR da sua chave de autenticação
twofa-app-manual = Não consegue escanear? Digite esta chave no aplicativo:
twofa-app-step-code = Digite o código de 6 dígitos que o aplicativo mostra.
twofa-continue = Continuar
twofa-back = Voltar
recovery-title = Códigos de recuperação
recovery-intro = Guarde estes dez códigos em um lugar seguro. Se perder o celular, cada um permite entrar uma vez.
recovery-download = Baixar os códigos
recovery-saved = Salvei meus códigos: continuar
recovery-once = Você verá estes códigos só até confirmar que os salvou. Você pode gerar outros em Preferências da conta, Segurança.
recovery-file-title = Códigos de recuperação de { $product }. Cada código funciona uma vez.

## Two-factor authentication: challenge
challenge-title = Confirme que é você
challenge-choose = Escolha outra forma de verificar:
challenge-intro-totp = Digite o código de 6 dígitos do seu aplicativo autenticador.
challenge-intro-sms = Digite o código de 6 dígitos que enviamos por SMS.
challenge-intro-email = Digite o código de 6 dígitos que enviamos para { $email }.
challenge-intro-recovery_code = Digite um dos seus códigos de recuperação. Cada um funciona uma vez.
challenge-email-hint = Enviaremos um código de 6 dígitos para { $email }.
challenge-email-sent = Enviamos um código de 6 dígitos para { $email }.
challenge-remember = Lembrar este dispositivo por 14 dias
challenge-other = Tentar outro método
challenge-asked-revoked = Este dispositivo foi esquecido (em Segurança), por isso pedimos um código de novo.
challenge-asked-expired = Passou o tempo em que este dispositivo era lembrado, por isso pedimos um código de novo.
challenge-asked-other_network = Você está entrando de outra rede, por isso pedimos um código de novo neste dispositivo.
challenge-asked-security_changed = Sua senha ou seus métodos de dois fatores mudaram, por isso pedimos um código de novo neste dispositivo.
challenge-asked-owner_changed = Sua organização tem uma nova pessoa titular, por isso todos os dispositivos lembrados pedem um código de novo.
field-recovery-code = Código de recuperação
method-totp = Aplicativo autenticador
method-totp-hint = Um código do Google Authenticator ou similar.
method-sms = SMS
method-sms-hint = Um código por mensagem de texto.
method-email = E-mail
method-recovery_code = Código de recuperação
method-recovery_code-hint = Um dos códigos que você guardou ao ativar a autenticação de dois fatores.

## Account preferences
settings-title = Preferências da conta
security-title = Segurança
security-twofa-off = A autenticação de dois fatores está desativada. Ative-a para que um código seja pedido depois da senha.
security-twofa-on = A autenticação de dois fatores está ativada: seus métodos estão abaixo.
security-factors = Seus métodos
security-added = Adicionado em { $time }
security-last-used = último uso { $time }
security-remove = Remover
remove-factor-title = Remover este método?
remove-factor-intro = Você não poderá mais usá-lo para entrar.
remove-factor-submit = Remover
remove-factor-cancel = Manter e voltar
security-last-rule = Você deve manter pelo menos um método.
security-no-factors = Você ainda não tem nenhum método.
security-add-app = Adicionar um aplicativo autenticador
security-codes-left = Códigos de recuperação restantes: { $count }
security-new-codes = Gerar novos códigos de recuperação
security-sessions = Sessões ativas
security-since = Desde { $time }
security-until = até { $time }
security-this-device = este dispositivo
security-devices = Dispositivos confiáveis
security-forget = Esquecer
security-forget-all = Esquecer todos os dispositivos
security-no-devices = Nenhum dispositivo confiável. Quando você marca "Lembrar este dispositivo" no login, ele aparece aqui.
security-notice-factor_added = O método foi adicionado.
security-notice-factor_removed = O método foi removido.
security-notice-devices_forgotten = Todos os dispositivos confiáveis foram esquecidos: um código será pedido de novo.
security-notice-device_forgotten = O dispositivo foi esquecido: um código será pedido de novo.
security-notice-session_ended = A sessão foi encerrada.
activate-intro = A autenticação de dois fatores pede um código do seu celular depois da senha, para que uma senha roubada não baste para entrar na sua conta.
activate-signout = Ao ativá-la, sua sessão será encerrada; no próximo login você escolhe e configura seu método.
activate-submit = Ativar
notice-mfa_activated = A autenticação de dois fatores está ativada. Entre para configurar seu método.

## Factor errors
factor-setup_missing = A configuração expirou. Comece de novo.
factor-phone_unavailable = Não é possível usar este número. Use outro número.
factor-last_required = Você não pode remover seu único método: a autenticação de dois fatores é obrigatória. Adicione outro método antes.
factor-method_unavailable = Este método não está disponível para sua conta.
code-recovery_format = Um código de recuperação tem 10 letras e números, como ABCDE-12345.
email-mfa_code-subject = Seu código para entrar no { $product }: { $code }
email-mfa_code-body =
    Olá, { $name }:

    Seu código para entrar é:

        { $code }

    Ele expira em 10 minutos. Se não é você entrando, troque sua senha: alguém a conhece.

## Text messages
sms-sms_code = { $code } é seu código do { $product }. Expira em 10 minutos. Não o compartilhe.
phone-country_not_allowed = Números deste país não podem receber códigos aqui. Use outro número ou um aplicativo autenticador.

## SMS factor
twofa-sms-hint = Um código de 6 dígitos por mensagem de texto no seu celular.
twofa-sms-intro = Escolha o código do seu país e digite seu número de telefone, com o DDD. Enviaremos um código de 6 dígitos por SMS.
twofa-sms-exclusive = Um número só pode proteger uma conta: não é possível centralizar a autenticação de vários usuários em um único número.
twofa-sms-again = Usar outro número ou enviar um novo código
challenge-sms-hint = Enviaremos um código de 6 dígitos para { $phone }.
challenge-sms-sent = Enviamos um código de 6 dígitos para { $phone }.
challenge-send = Enviar o código
security-add-sms = Adicionar um telefone (SMS)

## Lost-factor reset
lost-link = Não consigo usar nenhum dos meus métodos
lost-title = Redefinir seus métodos de dois fatores
lost-intro = Se você perdeu o celular ou o aplicativo autenticador e não tem mais códigos de recuperação, pode nos pedir para remover seus métodos.
lost-steps = Enviaremos um link para o seu e-mail cadastrado. Quando você abri-lo, nossa equipe verificará a solicitação; se for aprovada, seus métodos e sessões serão removidos e você configurará um novo método no próximo login.
lost-submit = Solicitar a redefinição
lost-sent = Enviamos um link para { $email }. Abra-o para confirmar a solicitação.
lost-waiting = Sua solicitação foi confirmada e aguarda nossa equipe. Escreveremos quando for decidida.
reset-confirm-title = Confirme a solicitação de redefinição
reset-confirm-intro = Confirme que você pediu para remover seus métodos de dois fatores. Depois nossa equipe verificará a solicitação.
reset-confirm-submit = Confirmar a solicitação
reset-link_invalid = Este link não é válido. Peça um novo na página de login.
reset-link_expired = Este link expirou. Peça um novo na página de login.
reset-not_confirmed = A solicitação ainda não foi confirmada pelo e-mail cadastrado.
reset-status_invalid = O status deve ser unconfirmed, pending, approved ou rejected.
api_key-name_invalid = Dê à chave um nome de no máximo 100 caracteres.
email-factor_reset_confirm-subject = Confirme a redefinição de dois fatores do { $product }
email-factor_reset_confirm-body =
    Olá, { $name }:

    Alguém, esperamos que você, pediu para remover os métodos de dois fatores da sua conta do { $product }.
    Para confirmar a solicitação, abra este link em até 24 horas:

    { $link }

    Nossa equipe verifica cada solicitação antes de aprová-la. Se não foi você, ignore este e-mail e considere trocar sua senha.
email-factor_reset_approved-subject = Seus métodos de dois fatores do { $product } foram redefinidos
email-factor_reset_approved-body =
    Olá, { $name }:

    Sua solicitação foi aprovada: seus métodos de dois fatores, códigos de recuperação, sessões e dispositivos confiáveis foram removidos.
    No próximo login você configurará um novo método.
email-factor_reset_rejected-subject = A redefinição de dois fatores do { $product } não foi aprovada
email-factor_reset_rejected-body =
    Olá, { $name }:

    Sua solicitação para remover seus métodos de dois fatores não foi aprovada. Nada foi alterado. Se ainda precisar de ajuda, fale com o suporte.

## Password change
field-current-password = Senha atual
field-new-password = Nova senha
security-change-password = Trocar a senha
security-notice-password_changed = Sua senha foi trocada. Suas outras sessões foram encerradas.
password-current_wrong = A senha atual não está correta.
email-password_changed-subject = A senha do seu { $product } foi trocada
email-password_changed-body =
    Olá, { $name }:

    A senha da sua conta do { $product } acabou de ser trocada e suas outras sessões foram encerradas.
    Se não foi você, use "Esqueceu sua senha?" na página de login imediatamente e fale com o suporte.
policy-two_factor_invalid = A política deve ser required ou optional.

## Password recovery
login-forgot = Esqueceu sua senha?
recover-title = Esqueceu sua senha?
recover-intro = Digite o e-mail da sua conta. Enviaremos um link para escolher uma nova senha.
recover-submit = Enviar o link
recover-sent = Se existe uma conta com este endereço, enviamos um link para escolher uma nova senha. Ele vale por uma hora.
recover-tips-intro = Se o e-mail não chegar:
recover-tip-spam = Verifique sua pasta de spam ou lixo eletrônico.
recover-tip-again = Tente enviar o link novamente (o botão abaixo).
recover-tip-support = Se ainda não conseguir redefinir sua senha, fale com o administrador da sua conta ou com nosso suporte.
recover-resend = Enviar o link de novo
recover-new-title = Escolha uma nova senha
recover-new-submit = Salvar a nova senha
recover-again = Pedir um novo link
notice-password_reset = Sua senha foi trocada. Entre com a nova.
email-password_reset-subject = Escolha uma nova senha do { $product }
email-password_reset-body =
    Olá, { $name }:

    Para escolher uma nova senha para sua conta do { $product }, abra este link dentro de uma hora:

    { $link }

    Se não foi você que pediu, ignore este e-mail: sua senha continua a mesma.

## Invitations
invite-title = Defina sua senha
invite-intro = Boas-vindas, { $name }. Escolha uma senha para sua conta; depois você a protegerá com um segundo fator.
invite-submit = Salvar e continuar
user-email_taken = Já existe um usuário com este e-mail.
user-role_invalid = A função deve ser membro ou administrador (member ou admin).
email-invitation-subject = Sua conta do { $product } está pronta
email-invitation-body =
    Olá, { $name }:

    Uma conta foi criada para você no { $product }. Para escolher sua senha, abra este link em até 7 dias:

    { $link }

    Se o link expirou, use "Esqueceu sua senha?" na página de login.

email-join_invitation-subject = { $inviter } convidou você para participar de { $organization } no { $product }
email-join_invitation-body =
    Olá, { $name }!

    { $inviter } convidou você para participar da organização { $organization } no { $product }, com a conta que você já tem. Para responder, entre e abra esta página (o convite vale 7 dias):

    { $link }

    Se não quiser participar, ignore este e-mail ou recuse o convite lá.

## Audit log
audit-time_invalid = Informe o momento em milissegundos Unix.
audit-limit_invalid = O limite deve estar entre 1 e 200.
audit-cursor_invalid = Este cursor não é válido; use next_cursor da página anterior.

## Organization
org-owner_by_transfer = A função de titular só muda por transferência.
org-not_owner_or_self = Não é possível para quem é titular nem para você.
org-title = Organização
org-role = Função
org-inactive = desativado
org-invited = convite enviado
org-withdraw = Retirar o convite
org-invitation_pending = Esta pessoa ainda não aceitou o convite. Para retirá-lo, use "Retirar o convite".
org-invitation_invalid = Este convite não é mais válido: expirou, foi retirado ou já foi respondido.
org-join_owner_busy = Você é titular de uma organização com outros membros ou com um plano. Primeiro transfira a função de titular para outro membro (Configurações, Organização).
join-title = Convites
join-none = Você não tem convites pendentes.
join-offer = { $inviter } convidou você para participar de { $org } como { $role }.
join-accept = Participar de { $org }
join-decline = Recusar
join-leaves = Ao participar de outra organização, você sai de { $org }.
join-leaves-owner = Você é titular de { $org }. Se ninguém mais participa dela e ela não tem plano, ao entrar em outra organização ela é encerrada; caso contrário, transfira antes a função de titular.
org-save = Salvar
org-deactivate = Desativar
org-reactivate = Reativar
org-invite = Convidar alguém
org-invite-submit = Enviar o convite
org-transfer = Transferir a função de titular
org-transfer-intro = A nova pessoa titular passa a administrar a conta; você continua na função de administração. Confirme com um código do seu aplicativo autenticador ou um código de recuperação. Os dispositivos lembrados de todos os membros pedirão um código de novo.
org-new-owner = Nova pessoa titular
org-method = Confirmar com
org-transfer-submit = Transferir
org-notice-member_invited = O convite foi enviado.
org-notice-role_changed = A função foi alterada.
org-notice-member_deactivated = O membro foi desativado e sua sessão encerrada.
org-notice-member_reactivated = O membro foi reativado.
org-notice-member_removed = O membro foi removido.
org-notice-owner_transferred = A função de titular foi transferida.

## Staff console
staff-title = Console da equipe
staff-users = Usuários
staff-resets = Redefinições de métodos
staff-search = Buscar usuários por e-mail ou nome
staff-search-submit = Buscar
staff-no-results = Nenhum usuário corresponde.
staff-badge = equipe
staff-state = Estado
staff-active = ativo
staff-pending = em configuração
staff-end-sessions = Encerrar todas as sessões
staff-no-sessions = Nenhuma sessão ativa.
staff-audit = Registro de auditoria
staff-event = Evento
staff-no-resets = Nenhuma solicitação de redefinição.
staff-requested = Pedido em { $time }
staff-confirmed = confirmado em { $time }
staff-status-unconfirmed = ainda não confirmado pelo e-mail
staff-status-pending = aguardando uma decisão
staff-status-approved = aprovado
staff-status-rejected = rejeitado
staff-approve = Aprovar
staff-reject = Rejeitar
staff-notice-sessions_ended = Todas as sessões do usuário foram encerradas.
staff-notice-reset_approved = Aprovado: os métodos, sessões e dispositivos confiáveis do usuário foram removidos.
staff-notice-reset_rejected = Rejeitado: nada foi alterado.
staff-orgs = Organizações
staff-search-orgs = Buscar organizações por nome
staff-members = { $count } membros
staff-policies = Políticas
staff-policy-default = Padrão da plataforma ({ $value })
staff-policy-required = Obrigatória
staff-policy-optional = Opcional
staff-single-session = Uma sessão por usuário
staff-yes = Sim
staff-no = Não
staff-new-user = Criar uma conta
staff-new-user-intro = A pessoa recebe um convite para escolher a senha (válido por 7 dias) e depois configura a autenticação de dois fatores conforme a política.
staff-org-id = Id da organização
staff-org-id-hint = Deixe vazio para dar à pessoa uma organização própria.
staff-new-user-submit = Criar e enviar o convite
staff-org_not_found = Não existe nenhuma organização com este id.
staff-keys = Chaves de API
staff-key-once = Copie esta chave agora: ela não é mostrada de novo.
staff-revoked = revogada
staff-revoke = Revogar
staff-new-key = Nova chave de API
staff-key-org-hint = Deixe vazio para uma chave de toda a equipe.
staff-new-key-submit = Criar a chave
staff-notice-policies_saved = As políticas foram salvas.
staff-notice-user_created = A conta foi criada e o convite enviado.
staff-notice-key_revoked = A chave foi revogada.
audit-event-hint = O começo do nome de um evento, p. ex. factor. ou session.
audit-user = Id do usuário
audit-from = De
audit-to = Até
audit-next = Eventos anteriores
audit-none = Nenhum evento corresponde.
staff-settings = Padrões da plataforma
staff-settings-intro = O que vale para toda organização que não define o seu. Cada servidor aplica a mudança em poucos segundos.
staff-config-default = Conforme a configuração ({ $value })
staff-notice-settings_saved = Os padrões da plataforma foram salvos.

## Company data (sign-up, after two-factor set-up)
company-title = Incluir dados adicionais
company-postal-dev = Modo de desenvolvimento: o endereço só é preenchido com códigos postais importados (umbral postal import --format geonames AR.txt; veja o README).
company-intro = Conte-nos sobre a sua empresa. O formulário pede o identificador fiscal do seu país; ao digitar o CEP o endereço é preenchido.
company-submit = Adicionar dados
choose = Escolha…
field-country = País
field-tax-id = Identificador fiscal
field-legal-name = Razão social
field-employees = Número de funcionários
field-segment = Segmento
field-postal-code = CEP / código postal
postal-code-hint = Preenchemos a rua, o bairro, a cidade e o estado; você adiciona o número e o complemento.
postal-code-found = Endereço encontrado: confira e adicione o número.
field-street = Rua
field-number = Número
field-complement = Complemento
field-neighbourhood = Bairro
field-city = Cidade
field-state = Estado
company-required = Preencha este campo.
company-too_long = Use no máximo { $max } caracteres.
company-too_short = Use pelo menos { $min } caracteres.
company-characters = Este campo tem caracteres não permitidos.
company-choose = Escolha uma das opções.
company-country_invalid = Escolha um país da lista.
tax_id-required = Informe o identificador fiscal.
tax_id-characters = Use apenas letras, dígitos e os separadores . - / e espaço.
tax_id-length = O identificador fiscal não tem a quantidade de caracteres deste país.
tax_id-format = Não tem a forma de um identificador fiscal deste país (confira o prefixo de tipo e onde vão letras e dígitos).
tax_id-date = A data dentro do identificador fiscal não existe.
tax_id-homoclave = Os três últimos caracteres (a homoclave) não são dos que o SAT emite: nunca têm 0 nem O, e o primeiro é 1-9 ou A-V.
tax_id-check_digit = O dígito verificador não confere: confira o número, pode haver um erro de digitação.
postal_code-required = Informe o CEP.
postal_code-format = Não é um código postal do país escolhido.
postal_code-not_found = Não conhecemos este CEP: digite o endereço.
segment-retail = Varejo
segment-financial_services = Serviços financeiros
segment-health = Saúde
segment-education = Educação
segment-technology = Tecnologia
segment-telecommunications = Telecomunicações
segment-logistics = Logística
segment-public_sector = Setor público
segment-services = Serviços
segment-other = Outro

## Checkout
checkout-title = Pagamento
checkout-summary = Resumo da compra
checkout-plan = Plano
checkout-period = Período de cobrança
checkout-price = Preço
checkout-total = Total
checkout-switch-month = Pagar mensalmente
checkout-switch-year = Pagar anualmente
checkout-change-plan = Escolher outro plano
checkout-choose-plan = Escolha um plano para continuar.
checkout-sandbox-hint = Modo de teste: nenhum dinheiro é movimentado. Use o cartão 4242 4242 4242 4242 com qualquer data futura e qualquer CVC; o 4000 0000 0000 0002 é recusado.
checkout-pay = Pagar { $total }
period-month = Mensal
period-year = Anual
field-card-number = Número do cartão
field-card-expiry = Validade
field-card-month = Mês
field-card-year = Ano
field-card-mm = MM
field-card-yyyy = AAAA
field-card-cvc = Código de segurança (CVC)
card-required = Informe o número do cartão.
card-number_invalid = Este número de cartão não é válido: confira se há um erro de digitação.
card-expired = Este cartão está vencido.
card-expiry_invalid = Informe o mês (1-12) e o ano de validade.
card-cvc_invalid = O código de segurança tem { $digits } dígitos.
payment-declined = Seu cartão foi recusado. Tente outro cartão ou fale com o seu banco.
payment-insufficient_funds = Seu cartão foi recusado por saldo insuficiente.
payment-expired_card = Seu cartão foi recusado porque está vencido.
payment-incorrect_cvc = Seu cartão foi recusado: o código de segurança está errado.
payment-unavailable = O serviço de pagamentos não respondeu. Nada foi cobrado duas vezes: tente novamente em instantes.
checkout-plan_unknown = Escolha um dos planos.
checkout-period_unknown = Este plano não tem preço para esse período.
checkout-key_invalid = O formulário de pagamento expirou. Recarregue a página e tente novamente.

## Account ready and first steps
ready-title = Sua conta está pronta!
ready-subscription = Plano { $plan }, ativo. Próxima renovação: { $renews }.
ready-continue = Ir para a página inicial
first-steps-title = Primeiros passos
first-steps-intro = Algumas coisas para fazer primeiro como administrador da sua conta.
first-steps-invite = Convide a sua equipe
first-steps-security = Revise suas configurações de segurança
first-steps-skip = Pular

## Countries

checkout-pending-title = Confirmando o seu pagamento
checkout-pending-body = A Stripe está nos avisando do seu pagamento. Esta página verifica de novo a cada poucos segundos.
checkout-pending-back = Voltar ao pagamento

field-plan = Plano
plan-choose-later = Escolho no pagamento

staff-company = Empresa e assinatura
staff-company-none = Ainda não há dados da empresa.
staff-subscription = Plano { $plan } ({ $period }), { $status }; renova em { $renews }.
staff-subscription-none = Ainda não há assinatura.
staff-user-factors = Métodos de dois fatores
subscription-status-active = ativa
subscription-status-pending = pendente

## Dates and devices
datetime = { $day } de { $month } de { $year }, { $time } { $zone }
month-1 = janeiro
month-2 = fevereiro
month-3 = março
month-4 = abril
month-5 = maio
month-6 = junho
month-7 = julho
month-8 = agosto
month-9 = setembro
month-10 = outubro
month-11 = novembro
month-12 = dezembro
device-browser-on-os = { $browser } em { $os }
device-unknown = Navegador desconhecido
oidc-error-title = Este aplicativo não pode iniciar sua sessão
oidc-unknown_client = O aplicativo que trouxe você até aqui não está registrado conosco ou foi desativado. Volte a ele e avise quem o administra.
oidc-redirect_uri_mismatch = O aplicativo que trouxe você até aqui pediu para voltar a um endereço que não registrou, então não enviamos você para lá. Volte a ele e avise quem o administra.
oidc-logout-title = Sair
oidc-logout-intro = Quer sair? Você sairá de todos os aplicativos que acessou com este login.
oidc-logout-intro-app = { $app } pede para encerrar sua sessão. Você sairá de todos os aplicativos que acessou com este login.
oidc-logout-submit = Sair
oidc-logout-cancel = Continuar conectado
oidc-logout_invalid = O aplicativo que trouxe você até aqui enviou um pedido de saída em que não podemos confiar, então nada mudou. Volte a ele e avise quem o administra.
oidc-logout_redirect_mismatch = O aplicativo que trouxe você até aqui pediu para voltar a um endereço que não registrou, então nada mudou. Volte a ele e avise quem o administra.
staff-clients = Aplicativos
staff-clients-intro = Os aplicativos que iniciam a sessão das pessoas pelo Umbral. A biblioteca OpenID Connect deles precisa do emissor { $issuer } (descoberta em /.well-known/openid-configuration), do id do cliente e, se for confidencial, do segredo.
staff-clients-none = Nenhum aplicativo ainda.
staff-new-client = Novo aplicativo
staff-new-client-submit = Registrar o aplicativo
staff-client-redirect-uris = URIs de redirecionamento
staff-client-redirect-uris-hint = Uma por linha, comparadas exatamente: https, ou http apenas para esta máquina (http://localhost:3000/callback).
staff-client-logout-uris = Endereços depois de sair (opcional)
staff-client-backchannel = URI de logout por canal secundário (opcional)
staff-client-public-label = Um aplicativo de navegador ou celular que não consegue guardar um segredo (público; deve usar PKCE)
staff-client-third-party-label = O aplicativo de outra empresa (as pessoas são solicitadas a consentir)
staff-client-public = público
staff-client-confidential = confidencial
staff-client-third-party = de terceiros
staff-client-off = desativado
staff-client-rotate = Novo segredo
staff-client-disable = Desativar
staff-client-enable = Ativar
staff-client-secret-once = Copie o segredo agora: ele não é mostrado de novo.
staff-client-public-made = O aplicativo foi registrado. Um aplicativo público não tem segredo.
staff-client-issuer = Emissor
staff-notice-client_disabled = O aplicativo foi desativado: não recebe códigos nem tokens, e seus tokens de atualização pararam de funcionar.
staff-notice-client_enabled = O aplicativo foi ativado de novo.
staff-client-id-token-alg = Algoritmo do token de ID
staff-client-auth = Autenticação no endpoint de tokens
staff-client-save = Salvar alterações
staff-client-keys = Chaves em vez de um segredo (private_key_jwt, opcional)
staff-client-keys-hint = Para um aplicativo que assina suas solicitações ao endpoint de tokens com a própria chave privada: informe suas chaves públicas, como JWKS ou como o endereço onde ele as publica. Assim ele não recebe segredo.
staff-client-jwks = Chaves públicas (JWKS)
staff-client-jwks-uri = Endereço das chaves públicas (jwks_uri)
staff-client-keys-made = O aplicativo foi registrado. Ele se identifica com as próprias chaves, então não tem segredo.
staff-notice-client_changed = O aplicativo foi alterado.
client-name_invalid = O nome deve ter de 1 a 100 caracteres.
client-redirect_uris_count = Informe de 1 a 20 URIs de redirecionamento, uma por linha.
client-redirect_uri_invalid = Cada endereço deve ser https (ou http apenas para esta máquina), sem fragmento: https://app.example.com/callback.
client-backchannel_uri_invalid = A URI de logout por canal secundário deve ser https (ou http apenas para esta máquina).
client-keys_not_public = As chaves (private_key_jwt) são para um aplicativo que guarda um segredo: não para um aplicativo público nem para um registrado com segredo.
client-jwks_invalid = Informe as chaves públicas do aplicativo como JWKS (até 10 chaves públicas, nenhuma privada) ou um endereço de onde lê-las, não ambos.
client-jwks_uri_invalid = O endereço das chaves deve ser https (ou http apenas para esta máquina).
client-keys_no_secret = Este aplicativo se identifica com as próprias chaves: não tem um segredo para renovar.
client-alg_invalid = O algoritmo do token de ID deve ser RS256, ES256 ou EdDSA.
oidc-back-to-app = Voltando ao aplicativo…
oidc-factor-needed = O aplicativo em que você está entrando pede a verificação em duas etapas. Adicione um método abaixo e depois continue para o aplicativo por aqui.
oidc-factor-ready = A verificação em duas etapas está ativada.
oidc-continue-to-app = Continuar para o aplicativo
oidc-consent-title = Permitir { $app }?
oidc-consent-intro = { $app } quer iniciar sua sessão com sua conta e ver:
oidc-scope-openid = Quem você é (um identificador da sua conta)
oidc-scope-profile = Seu nome e idioma
oidc-scope-email = Seu e-mail
oidc-scope-phone = Seu número de telefone
oidc-scope-organization = Sua organização e sua função nela
oidc-scope-offline_access = Acesso enquanto você está ausente, até você sair
oidc-consent-allow = Permitir
oidc-consent-deny = Não permitir
oidc-consent-later = Você pode remover o acesso quando quiser em Segurança, em "Aplicativos conectados".
security-apps = Aplicativos conectados
security-no-apps = Nenhum aplicativo de outra empresa pode ver sua conta.
security-app-since = Permitido em { $time }
security-app-used = último uso em { $time }
security-app-revoke = Remover o acesso
security-notice-app_revoked = O acesso do aplicativo foi removido. Ele pedirá de novo na próxima vez.

# Signing in with upstream identity providers
idp-continue = Entrar com o { $name }
idp-or = ou
idp-going = Indo para o { $provider }…
idp-profile-title = Termine de criar sua conta
idp-profile-intro = O { $provider } confirmou seu e-mail, { $email }. Faltam poucos dados para sua conta ficar pronta.
idp-link-title = Vincular o { $provider } à sua conta
idp-link-intro = A partir de agora você também poderá entrar em { $email } com o { $provider }. Suas outras sessões serão encerradas.
idp-link-confirm = Vincular o { $provider }
idp-link-cancel = Agora não
notice-idp_link = Já existe uma conta com este e-mail. Entre nela com a senha (e o segundo fator) para vinculá-la; nada é vinculado até você confirmar.
security-idps = Entrar com outras contas
security-idps-hint = Contas de outros serviços com as quais você pode entrar em vez de usar a senha.
security-idp-linked = Vinculada: { $email }
security-idp-unlink = Desvincular
security-idp-link = Vincular o { $provider }
security-notice-idp_linked = A conta foi vinculada. Suas outras sessões foram encerradas.
security-notice-idp_unlinked = A conta foi desvinculada. Suas outras sessões foram encerradas.
upstream-unavailable = Não foi possível falar com o outro serviço ou ele não respondeu como deveria. Tente de novo em instantes ou entre com seu e-mail.
upstream-refused = Não foi possível confiar na resposta do outro serviço, então você não entrou. Tente de novo ou entre com seu e-mail.
upstream-expired = Este acesso expirou ou já foi usado. Comece de novo.
upstream-cancelled = O acesso com o outro serviço foi cancelado. Nada mudou.
upstream-no_email = O outro serviço não compartilhou um endereço de e-mail, que precisamos para criar sua conta.
upstream-email_unverified = O outro serviço não verificou seu e-mail. Verifique-o lá ou cadastre-se aqui com seu e-mail.
upstream-linked_elsewhere = Essa conta do outro serviço já está vinculada a outra conta daqui.
upstream-linked_already = Já há uma conta desse serviço vinculada. Desvincule-a primeiro.
upstream-last_method = Esta é sua única forma de entrar. Crie uma senha (Esqueceu a senha? na página de acesso) antes de desvinculá-la.
upstream-link_sign_in = Para vinculá-la, entre nesta conta com a senha depois de escolher o outro serviço.
staff-idps = Provedores de acesso
staff-idps-intro = As pessoas podem entrar e se cadastrar com estes provedores em vez de uma senha ("Entrar com o ..." nas páginas de acesso e de cadastro). Registre em cada provedor a URI de redirecionamento mostrada aqui.
staff-idps-none = Ainda não há provedores. Adicione um com o formulário abaixo ou em [[identity_providers]] na configuração (docs/operations.md).
staff-idp-issuer = Emissor
staff-idp-redirect = URI de redirecionamento para registrar no provedor

# Enterprise SSO
sso-title = Login único
sso-intro = O provedor de identidade próprio da sua organização (Okta, Microsoft Entra ID, Google Workspace ou qualquer provedor OpenID Connect). Quando o domínio de e-mail estiver verificado e o login único ativado, todas as pessoas com um endereço desse domínio entrarão por lá, sem senha aqui.
sso-issuer = Emissor do seu provedor
sso-issuer-hint = O endereço dele, como o documento de descoberta o nomeia (https://login.example.com).
sso-secret-kept = Deixe vazio para manter o salvo.
sso-domain = Domínio de e-mail
sso-domain-hint = O que vem depois do @ nos endereços do seu pessoal, por exemplo example.com. Domínios de e-mail públicos não podem ser reivindicados.
sso-redirect = Registre esta URI de redirecionamento no seu provedor: { $uri }
sso-enabled = Login único ativado: os endereços deste domínio entram com o provedor
sso-join = Pessoas novas deste domínio entram na organização como membros no primeiro acesso (senão, precisam de um convite)
sso-trust-mfa = Aceitar o segundo fator do próprio provedor em vez de pedir um aqui
sso-save = Salvar
sso-domain-status = Domínio { $domain }
sso-verified = Verificado.
sso-txt-intro = Prove que o domínio é seu: crie este registro DNS no provedor de DNS do seu domínio, espere ele aparecer e escolha Verificar.
sso-txt-name = Nome
sso-txt-type = Tipo
sso-txt-value = Valor
sso-verify = Verificar
sso-notice-saved = Salvo.
sso-notice-verified = O domínio foi verificado. Ative o login único quando o seu provedor estiver pronto.
sso-issuer_invalid = O emissor deve ser https (ou http apenas para esta máquina).
sso-client_id_invalid = Informe o id de cliente que o seu provedor emitiu (até 200 caracteres).
sso-client_secret_invalid = Informe o segredo de cliente que o seu provedor emitiu.
sso-domain_invalid = Informe um domínio como example.com.
sso-domain_public = É o domínio de um serviço de e-mail público: qualquer pessoa pode ter um endereço lá, então não pode ser reivindicado.
sso-verify_first = Verifique o domínio antes de ativar o login único.
sso-dns_failed = A consulta DNS falhou ou demorou demais. Tente de novo em alguns minutos.
sso-txt_not_found = O registro TXT ainda não foi encontrado. Mudanças de DNS podem demorar a aparecer; tente de novo mais tarde.
sso-domain_taken = Outra organização já verificou este domínio.
sso-domain_mismatch = Este provedor só dá acesso a endereços do domínio da organização dele.
sso-invite_only = Sua organização adiciona pessoas novas por convite. Peça a um administrador para convidar você.
staff-idp-from-settings = do arquivo de configuração
staff-idp-remove = Remover
staff-idp-new = Adicionar ou alterar um provedor
staff-idp-new-hint = Um provedor com o id de um adicionado aqui o substitui. Os do arquivo de configuração são alterados lá.
staff-idp-id = Id
staff-idp-id-hint = Na URI de redirecionamento: minúsculas, dígitos e "-" (por exemplo google, okta).
staff-idp-kind = Tipo
staff-idp-name = Nome no botão
staff-idp-issuer-hint = Vazio para o Google.
staff-idp-secret-hint = Vazio mantém o salvo.
staff-idp-scopes-hint = Além de openid, separados por espaços; vazio: email profile.
staff-idp-save = Salvar o provedor
staff-notice-provider_saved = O provedor foi salvo; o botão dele está nas páginas de acesso e de cadastro.
staff-notice-provider_removed = O provedor foi removido. As pessoas vinculadas mantêm o vínculo, que volta a funcionar se o provedor voltar.
provider-from_settings = Este provedor está no arquivo de configuração; altere-o lá.
provider-id_invalid = O id deve ter de 1 a 40 minúsculas, dígitos ou "-", e não começar com "org-".
provider-kind_invalid = O tipo deve ser Google ou OpenID Connect.
provider-field_invalid = Confira este campo: o emissor deve ser https (ou http apenas para esta máquina), o nome de 1 a 60 caracteres, o id e o segredo de cliente são obrigatórios e os scopes são palavras soltas.

## Chaves de acesso
method-passkey = Chave de acesso
method-passkey-hint = Sua digital, seu rosto ou o bloqueio de tela, neste dispositivo ou no seu celular.
twofa-passkey-hint = Entre com sua digital, seu rosto ou o bloqueio de tela. Nada para digitar, e ela também permite entrar sem senha.
challenge-intro-passkey = Use sua chave de acesso: o navegador vai pedir sua digital, seu rosto ou o bloqueio de tela.
passkey-add-title = Adicionar uma chave de acesso
passkey-add-intro = Uma chave de acesso fica neste dispositivo (ou no seu celular ou gerenciador de senhas) e funciona com sua digital, seu rosto ou o bloqueio de tela. Ela permite entrar sem senha e também é sua segunda etapa depois dela.
passkey-off = As chaves de acesso não estão disponíveis neste servidor: o endereço dele é um endereço IP, e os navegadores só aceitam chaves de acesso para um nome. Escolha outro método.
passkey-needs-js = As chaves de acesso precisam de JavaScript, que está desativado neste navegador. Ative-o ou escolha outro método.
passkey-unsupported = Este navegador não pode usar chaves de acesso. Escolha outro método ou use um navegador mais recente.
passkey-cancelled = A chave de acesso não foi usada: o pedido foi cancelado ou demorou demais. Tente de novo ou escolha outro método.
passkey-failed = A chave de acesso não funcionou neste navegador. Tente de novo ou escolha outro método.
field-passkey-name = Nome da chave de acesso
passkey-name-hint = Para reconhecê-la depois, por exemplo "Notebook do trabalho" ou "Celular".
passkey-create = Criar uma chave de acesso
passkey-use = Usar minha chave de acesso
passkey-sign-in = Entrar com uma chave de acesso
passkey-rename = Renomear
passkey-rename-save = Salvar nome
security-add-passkey = Adicionar uma chave de acesso
security-notice-passkey_renamed = A chave de acesso foi renomeada.
passkey-unavailable = As chaves de acesso não estão disponíveis neste servidor.
passkey-missing = Use o botão para que seu navegador crie ou use a chave de acesso.
passkey-malformed = Não foi possível ler a resposta do seu navegador. Tente de novo.
passkey-expired = Este pedido de chave de acesso expirou ou já foi usado. Tente de novo.
passkey-unknown = Esta chave de acesso não está registrada aqui. Use outra chave ou entre com seu e-mail.
passkey-not_verified = Sua chave de acesso precisa confirmar que é você (digital, rosto, PIN ou bloqueio de tela). Tente de novo e confirme no seu dispositivo.
passkey-counter = Esta chave de acesso foi recusada: ela parece uma cópia do seu autenticador. Use outro método e depois remova-a em Segurança.
passkey-taken = Esta chave de acesso já está registrada. Cada chave pode ser adicionada uma vez.
passkey-refused = Não foi possível verificar a chave de acesso para este site. Tente de novo ou escolha outro método.
passkey-name_invalid = O nome não pode conter caracteres de controle.
passkey-name_too_long = O nome pode ter no máximo 60 caracteres.
